"""Writes of workspace settings. Changes that alter KPI values queue a snapshot refresh."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ChannelOwnership, KpiTarget, OwningTeam, WorkspaceSettings
from .selectors import workspace_settings_get

# Fields whose change alters KPI definitions (the stage SLA, the cohort window, ownership).
DEFINITION_FIELDS = {"response_sla_hours", "conversion_window_days"}
SCALAR_FIELDS = {"time_zone", "currency", *DEFINITION_FIELDS}


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
    from smarketing.kpis.definitions import KPI_KEYS

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
        before = dict(ChannelOwnership.objects.values_list("source", "team"))
        if before != channel_ownership:
            changed.add("channel_ownership")
            ChannelOwnership.objects.all().delete()
            ChannelOwnership.objects.bulk_create(
                ChannelOwnership(source=source, team=team)
                for source, team in channel_ownership.items()
            )
    if kpi_targets is not None:
        for target in kpi_targets:
            if target["kpi"] not in KPI_KEYS:
                raise ValidationError(f"unknown KPI {target['kpi']!r}")
        KpiTarget.objects.all().delete()
        KpiTarget.objects.bulk_create(KpiTarget(**target) for target in kpi_targets)
    if changed & (DEFINITION_FIELDS | {"channel_ownership"}):
        row.definitions_version += 1
    row.save()
    if changed & (DEFINITION_FIELDS | {"channel_ownership", "time_zone"}):
        _snapshots_recompute(time_zone_changed="time_zone" in changed)
    return row


def _snapshots_recompute(*, time_zone_changed: bool) -> None:
    from smarketing.kpis.models import KpiSnapshot
    from smarketing.kpis.services import kpi_snapshot_nightly_enqueue

    if time_zone_changed:
        # Periods start at local midnight: snapshots of the old zone describe other periods.
        KpiSnapshot.objects.all().delete()
    kpi_snapshot_nightly_enqueue()
