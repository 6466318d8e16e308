"""Writes of workspace settings. Changes that alter KPI values announce it (`signals`)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from . import signals
from .models import (
    DEFAULT_ALIGNMENT_WEIGHTS,
    ChannelOwnership,
    ExchangeRate,
    OwningTeam,
    WorkspaceSettings,
)
from .selectors import (
    channel_owner,
    channel_ownership_overrides,
    workspace_settings_get,
    workspace_settings_read,
)

# Fields whose change alters KPI values (the response time, the cohort window; ownership too).
# The currency too: deals in it need no rate, the others are converted to it.
DEFINITION_FIELDS = {
    "response_sla_hours",
    "conversion_window_days",
    "stages_from_deals",
    "currency",
}
SCALAR_FIELDS = {"time_zone", "currency", "alignment_weights", *DEFINITION_FIELDS}
MAX_ALIGNMENT_WEIGHT = 100
MAX_SLA_HOURS = 1_000_000  # response_sla_hours holds 8 digits, 2 of them decimals
MAX_WINDOW_DAYS = 3650
# On/off settings.
BOOLEAN_FIELDS: tuple[str, ...] = ("stages_from_deals",)


def alignment_weights_problem(weights: Any) -> str | None:
    """Why `weights` cannot be the alignment index weights, or None: every component, each a
    whole number from 0 to 100, not all 0."""
    if not isinstance(weights, dict) or set(weights) != set(DEFAULT_ALIGNMENT_WEIGHTS):
        return f"give a weight to each of {', '.join(DEFAULT_ALIGNMENT_WEIGHTS)}"
    for name, weight in weights.items():
        whole = isinstance(weight, int) and not isinstance(weight, bool)
        if not whole or not 0 <= weight <= MAX_ALIGNMENT_WEIGHT:
            return f"{name}: a whole number from 0 to {MAX_ALIGNMENT_WEIGHT}"
    if not any(weights.values()):
        return "at least one weight must be more than 0"
    return None


def _validate(changes: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "time_zone" in changes:
        try:
            ZoneInfo(changes["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = f"{changes['time_zone']!r} is not an IANA time zone"
    currency = changes.get("currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        errors["currency"] = "a three-letter ISO 4217 code, e.g. EUR"
    if currency is not None and not currency.isascii():
        errors["currency"] = "a three-letter ISO 4217 code, e.g. EUR"
    sla = changes.get("response_sla_hours")
    if sla is not None and Decimal(sla) <= 0:
        errors["response_sla_hours"] = "must be more than 0"
    elif sla is not None and (Decimal(sla) >= MAX_SLA_HOURS or Decimal(sla) != round(sla, 2)):
        errors["response_sla_hours"] = f"less than {MAX_SLA_HOURS} hours, at most 2 decimals"
    window = changes.get("conversion_window_days", 1)
    if window is not None and int(window) < 1:
        errors["conversion_window_days"] = "at least 1 day, or empty for no window"
    elif window is not None and int(window) > MAX_WINDOW_DAYS:
        errors["conversion_window_days"] = f"at most {MAX_WINDOW_DAYS} days"
    for name in BOOLEAN_FIELDS:
        if name in changes and not isinstance(changes[name], bool):
            errors[name] = "on or off"
    if "alignment_weights" in changes:
        problem = alignment_weights_problem(changes["alignment_weights"])
        if problem:
            errors["alignment_weights"] = problem
    if errors:
        raise ValidationError([f"{field}: {message}" for field, message in errors.items()])


# What `workspace_settings_text_parse` and `workspace_settings_describe` call each setting (the
# command line's keys, SPEC section 6); on/off settings are booleans.
SETTABLE_KEYS = ("time_zone", "currency", "response_sla_hours", "conversion_window_days",
                 "stages_from_deals", "alignment_weights")  # fmt: skip
ON_OFF = {"on": True, "off": False}


def _text_value(key: str, text: str) -> Any:
    """One setting from its text (the command line's KEY=VALUE); ValueError when it does not
    parse. Range and meaning are checked by `workspace_settings_update`, as for the API."""
    if key == "response_sla_hours":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError("a number of hours, e.g. 24 or 4.5") from None
        if not value.is_finite():
            raise ValueError("a number of hours, e.g. 24 or 4.5")
        return value
    if key == "conversion_window_days":
        if text.strip().lower() in ("", "none", "off"):
            return None
        if not text.strip().isdigit():
            raise ValueError("a whole number of days, or none for no window")
        return int(text)
    if key == "alignment_weights":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError('a JSON object, e.g. {"sla_compliance": 30, …}') from None
    if key in BOOLEAN_FIELDS:
        if text.strip().lower() not in ON_OFF:
            raise ValueError("on or off")
        return ON_OFF[text.strip().lower()]
    return text.strip()


def workspace_settings_text_parse(assignments: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` texts as the changes `workspace_settings_update` takes; every problem is
    reported at once (ValidationError), an unknown key or a value that does not parse."""
    changes: dict[str, Any] = {}
    problems = []
    for assignment in assignments:
        key, sign, text = assignment.partition("=")
        key = key.strip()
        if not sign:
            problems.append(f"{assignment!r}: write KEY=VALUE")
        elif key not in SETTABLE_KEYS:
            problems.append(f"{key}: unknown setting (settable: {', '.join(SETTABLE_KEYS)})")
        else:
            try:
                changes[key] = _text_value(key, text)
            except ValueError as error:
                problems.append(f"{key}: {error}")
    if problems:
        raise ValidationError(problems)
    return changes


def workspace_settings_describe(row: WorkspaceSettings) -> dict[str, Any]:
    """Every setting as JSON values (on/off settings as "on"/"off"), with the channel owners."""
    sla = row.response_sla_hours
    described: dict[str, Any] = {
        "time_zone": row.time_zone,
        "currency": row.currency,
        "response_sla_hours": int(sla) if sla == int(sla) else float(sla),
        "conversion_window_days": row.conversion_window_days,
    }
    for name in BOOLEAN_FIELDS:
        described[name] = "on" if getattr(row, name) else "off"
    described["alignment_weights"] = row.alignment_weights
    described["definitions_version"] = row.definitions_version
    described["channel_ownership"] = channel_ownership_overrides()
    return described


@transaction.atomic
def workspace_settings_update(
    *,
    changes: dict[str, Any],
    channel_ownership: dict[str, str] | None = None,
) -> WorkspaceSettings:
    """Apply `changes` (time_zone, currency, response_sla_hours, conversion_window_days,
    alignment_weights), and
    replace the channel ownership overrides when given."""
    unknown = set(changes) - SCALAR_FIELDS
    if unknown:
        raise ValidationError(f"unknown settings: {', '.join(sorted(unknown))}")
    _validate(changes)
    row = workspace_settings_read()
    changed = {name for name, value in changes.items() if getattr(row, name) != value}
    if "currency" in changes:
        changes["currency"] = changes["currency"].upper()
    for name, value in changes.items():
        setattr(row, name, value)
    if channel_ownership is not None:
        bad = {source: team for source, team in channel_ownership.items() if team not in OwningTeam}
        if bad:
            raise ValidationError(f"teams must be marketing or sales: {bad}")
        if any(not source or source != source.strip() for source in channel_ownership):
            raise ValidationError("channel names must be non-empty, without surrounding spaces")
        before = dict(ChannelOwnership.objects.values_list("source", "team"))
        if before != channel_ownership:
            changed.add("channel_ownership")
            ChannelOwnership.objects.all().delete()
            ChannelOwnership.objects.bulk_create(
                ChannelOwnership(source=source, team=team)
                for source, team in channel_ownership.items()
            )
    row.save()
    if changed & (DEFINITION_FIELDS | {"channel_ownership", "time_zone"}):
        signals.kpi_inputs_changed.send(
            sender=WorkspaceSettings, time_zone_changed="time_zone" in changed
        )
    return row


@transaction.atomic
def channel_ownership_update(*, owners: dict[str, str]) -> dict[str, str]:
    """Give each channel in `owners` that team, keeping the other overrides.

    Only channels whose owner actually changes are touched: one set back to its SPEC default
    loses its override, any other gets one. Returns the channels that changed, with their new
    team; when some did, `workspace_settings_update` bumps the definitions version and queues
    the snapshot refresh, as for the API.
    """
    overrides = channel_ownership_overrides()
    changed = {}
    for source, team in owners.items():
        if team == channel_owner(source, overrides):
            continue
        changed[source] = team
        if team == channel_owner(source, {}):
            overrides.pop(source, None)
        else:
            overrides[source] = team
    if changed:
        workspace_settings_update(changes={}, channel_ownership=overrides)
    return changed


@transaction.atomic
def definitions_version_set(*, version: int) -> WorkspaceSettings:
    """The shared stage definitions of version `version` are in force from now on: KPI
    snapshots computed from now record it. Called by the app that keeps the definitions (the
    number only ever goes up)."""
    row = WorkspaceSettings.objects.select_for_update().get(pk=workspace_settings_get().pk)
    if version < row.definitions_version:
        raise ValidationError(
            f"definitions version {version} is older than the one in force"
            f" ({row.definitions_version})"
        )
    row.definitions_version = version
    row.save(update_fields=["definitions_version", "updated_at"])
    return row


MAX_RATE = Decimal("1e13")  # exchange_rate.rate holds 14 digits before the decimal point


def exchange_rate_parse(text: str) -> tuple[str, Decimal]:
    """`CUR=RATE` as (currency, rate); ValueError naming what is wrong."""
    currency, sign, value = text.partition("=")
    if not sign:
        raise ValueError(f"{text!r}: write CUR=RATE, e.g. EUR=1.08")
    try:
        rate = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{currency.strip()}: {value.strip()!r} is not a number") from None
    return currency.strip(), rate


def exchange_rates_set(
    *, rates: dict[str, Decimal], month: date | None = None
) -> list[ExchangeRate]:
    """Give each currency of `rates` that rate (the value of 1 unit in the workspace's
    currency) for `month` (its first day; None: every month without its own rate). Every rate
    is checked first; one problem and nothing changes. KPIs are recomputed from that month (all
    history for a rate without month)."""
    home = workspace_settings_get().currency
    problems = []
    cleaned: dict[str, Decimal] = {}
    for currency, rate in rates.items():
        code = currency.strip().upper()
        if not (len(code) == 3 and code.isascii() and code.isalpha()):
            problems.append(f"{currency!r}: a three-letter ISO 4217 code, e.g. EUR")
        elif code == home:
            problems.append(f"{code} is the workspace's currency (its rate is always 1)")
        elif not isinstance(rate, Decimal) or not rate.is_finite() or not 0 < rate < MAX_RATE:
            problems.append(f"{code}: the rate must be a number more than 0")
        elif rate != round(rate, 10):
            problems.append(f"{code}: at most 10 decimals")
        else:
            cleaned[code] = rate
    if month is not None and month.day != 1:
        problems.append("month: the first day of a month")
    if not rates:
        problems.append("give at least one CUR=RATE")
    if problems:
        raise ValidationError(problems)
    saved = []
    with transaction.atomic():
        for code, rate in cleaned.items():
            row, _ = ExchangeRate.objects.update_or_create(
                currency=code, month=month, defaults={"rate": rate}
            )
            saved.append(row)
        if month is None:
            signals.kpi_inputs_changed.send(
                sender=ExchangeRate, time_zone_changed=False, whole_history=True
            )
        else:
            zone = ZoneInfo(workspace_settings_get().time_zone)
            since = datetime.combine(month, time(), tzinfo=zone)
            signals.kpi_inputs_changed.send(
                sender=ExchangeRate, time_zone_changed=False, since=since
            )
    return saved
