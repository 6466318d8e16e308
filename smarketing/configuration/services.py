"""Writes of workspace settings. Changes that alter KPI values queue a snapshot refresh."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ChannelOwnership, KpiTarget, OwningTeam, WorkspaceSettings
from .selectors import channel_owner, channel_ownership_overrides, workspace_settings_get

# Fields whose change alters KPI definitions (the stage SLA, the cohort window, ownership).
DEFINITION_FIELDS = {"response_sla_hours", "conversion_window_days"}
SCALAR_FIELDS = {"time_zone", "currency", *DEFINITION_FIELDS}
# Rates per session can exceed 1 (more leads than recorded sessions); every other rate is a share.
RATES_ABOVE_ONE = {"traffic_to_lead_rate", "traffic_to_mql_rate", "end_to_end_rate"}
# KpiTarget.target keeps 6 decimals.
TARGET_PLACES = Decimal("0.000001")


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
    sla = changes.get("response_sla_hours")
    if sla is not None and Decimal(sla) <= 0:
        errors["response_sla_hours"] = "must be more than 0"
    window = changes.get("conversion_window_days", 1)
    if window is not None and int(window) < 1:
        errors["conversion_window_days"] = "at least 1 day, or empty for no window"
    if errors:
        raise ValidationError([f"{field}: {message}" for field, message in errors.items()])


@transaction.atomic
def workspace_settings_update(
    *,
    changes: dict[str, Any],
    channel_ownership: dict[str, str] | None = None,
    kpi_targets: list[dict[str, Any]] | None = None,
) -> WorkspaceSettings:
    """Apply `changes` (time_zone, currency, response_sla_hours, conversion_window_days), and
    replace the channel ownership overrides and KPI targets when given."""
    unknown = set(changes) - SCALAR_FIELDS
    if unknown:
        raise ValidationError(f"unknown settings: {', '.join(sorted(unknown))}")
    _validate(changes)
    row = workspace_settings_get()
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
    if kpi_targets is not None:
        _validate_targets(kpi_targets)
        KpiTarget.objects.all().delete()
        KpiTarget.objects.bulk_create(KpiTarget(**target) for target in kpi_targets)
    if changed & (DEFINITION_FIELDS | {"channel_ownership"}):
        row.definitions_version += 1
    row.save()
    if changed & (DEFINITION_FIELDS | {"channel_ownership", "time_zone"}):
        _snapshots_recompute(time_zone_changed="time_zone" in changed)
    return row


def _validate_targets(kpi_targets: list[dict[str, Any]]) -> None:
    """Each target names a single-valued KPI once, with a value that KPI can take; errors are
    keyed by KPI so a form can show them beside the target."""
    from smarketing.kpis.compute import Unit
    from smarketing.kpis.definitions import KPIS_BY_KEY

    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for target in kpi_targets:
        key, value = target["kpi"], Decimal(str(target["target"]))
        kpi = KPIS_BY_KEY.get(key)
        problems = errors.setdefault(key, [])
        if kpi is None or not value.is_finite():
            problems.append(f"unknown KPI {key!r}" if kpi is None else f"{key}: not a number")
            continue
        label = f"Target for {kpi.label}"
        if key in seen:
            problems.append(f"{label}: there is already a target for this KPI")
        seen.add(key)
        if kpi.unit is Unit.DAYS_BY_STAGE:
            problems.append(f"{label}: this KPI has one value per stage, so no single target")
        if target.get("comparator") not in KpiTarget.Comparator.values:
            problems.append(f"{label}: the comparator is >= or <=")
        if value < 0:
            problems.append(f"{label}: cannot be negative")
        elif kpi.unit is Unit.RATE and key not in RATES_ABOVE_ONE and value > 1:
            problems.append(f"{label}: a share is at most 100 % (1 as a fraction)")
        if kpi.unit is Unit.COUNT and value != value.to_integral_value():
            problems.append(f"{label}: a count is a whole number")
        if value != value.quantize(TARGET_PLACES):
            problems.append(f"{label}: at most 6 decimals (0.0001 % for a rate)")
    errors = {key: problems for key, problems in errors.items() if problems}
    if errors:
        raise ValidationError(errors)


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


def _snapshots_recompute(*, time_zone_changed: bool) -> None:
    from smarketing.kpis.models import KpiSnapshot
    from smarketing.kpis.services import kpi_snapshot_nightly_enqueue

    if time_zone_changed:
        # Periods start at local midnight: snapshots of the old zone describe other periods.
        KpiSnapshot.objects.all().delete()
    kpi_snapshot_nightly_enqueue()
