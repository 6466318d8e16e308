"""Stored KPI snapshots: one period, a series, the month pages open on, refresh jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import (
    STORED_GRAINS,
    Grain,
    Period,
    local_midnight,
    period_containing,
    period_parse,
)

from ..compute import Unit
from ..definitions import KPIS
from ..models import KpiSnapshot, KpiSnapshotJob
from ..sql_periods import data_start_sql


def kpi_snapshot_for_period(
    period: Period, *, stale_ok: bool = False, fields: tuple[str, ...] = ()
) -> KpiSnapshot | None:
    """The stored snapshot of exactly this standard period, if any.

    With `stale_ok`, pages also get the snapshot of the same label computed in the workspace's
    previous time zone while the refresh after a zone change runs (`kpi_snapshot_is_stale`).
    With `fields`, only those columns are read (the breakdowns and details are most of a
    snapshot's JSON; reading another field later costs a query).
    """
    if period.grain not in STORED_GRAINS:
        return None
    snapshots = KpiSnapshot.objects.only(*fields) if fields else KpiSnapshot.objects.all()
    found = snapshots.filter(grain=period.grain, period_start=period.start).first()
    if found is None and stale_ok:
        found = snapshots.filter(grain=period.grain, label=period.label).first()
    return found


def kpi_snapshot_is_stale(snapshot: KpiSnapshot, period: Period) -> bool:
    """Whether `snapshot` was computed for `period`'s label in another time zone."""
    return snapshot.period_start != period.start


def kpi_snapshot_series(
    *, grain: Grain, first: Period, last: Period, stale_ok: bool = False
) -> list[Any]:
    """Every period of `grain` from `first` to `last` (both included) with its snapshot or None
    (with `stale_ok`, another time zone's snapshot of the label while none of this one exists)."""
    periods = []
    period = first
    while period.start <= last.start:
        periods.append(period)
        period = period.next()
    if stale_ok:
        rows = KpiSnapshot.objects.filter(grain=grain, label__in=[p.label for p in periods])
        by_label: dict[str, KpiSnapshot] = {}
        for snapshot in rows.order_by("period_start"):
            exact = by_label.get(snapshot.label)
            if exact is None or exact.period_start not in {p.start for p in periods}:
                by_label[snapshot.label] = snapshot
        return [(period, by_label.get(period.label)) for period in periods]
    snapshots = {
        snapshot.period_start: snapshot
        for snapshot in KpiSnapshot.objects.filter(
            grain=grain, period_start__gte=first.start, period_start__lte=last.start
        )
    }
    return [(period, snapshots.get(period.start)) for period in periods]


def kpi_value(snapshot_values: dict[str, Any] | None, key: str) -> Any:
    """A KPI's value in a snapshot's kpis; `stage_days_median.mql_to_sql` reaches into objects."""
    if snapshot_values is None:
        return None
    name, _, part = key.partition(".")
    value = snapshot_values.get(name)
    return value.get(part) if part and isinstance(value, dict) else value


# How far back the default month looks for data before settling for the last complete month.
DEFAULT_MONTH_LOOKBACK = 36


@dataclass(frozen=True)
class DefaultMonth:
    """The month pages show when none is asked for, and the month in progress."""

    month: Period
    current: Period
    # False when no complete month has data yet (then `month` is simply last month).
    has_data: bool


def snapshot_has_data(kpis: dict[str, Any]) -> bool:
    """Whether a snapshot counted anything: a lead, deal, session, activity, spend…"""
    return any(kpis.get(kpi.key) for kpi in KPIS if kpi.unit is Unit.COUNT or kpi.key == "spend")


def kpi_month_default(*, now: datetime | None = None) -> DefaultMonth:
    """The latest *complete* month whose snapshot has data, else the last complete month.

    The month in progress is never the default: its figures are partial (often all zero early
    in the month), which reads as a collapse rather than as "not yet".
    """
    time_zone = ZoneInfo(workspace_settings_get().time_zone)
    today = (now or timezone.now()).astimezone(time_zone).date()
    current = period_containing(Grain.MONTH, today, time_zone)
    last_complete = current.previous()
    earliest = current.shifted(-DEFAULT_MONTH_LOOKBACK)
    snapshots = KpiSnapshot.objects.filter(
        grain=Grain.MONTH, period_start__gte=earliest.start, period_start__lt=current.start
    ).order_by("-period_start")
    for label, kpis in snapshots.values_list("label", "kpis"):
        # By label: after a time-zone change the previous zone's snapshot names the same month.
        if snapshot_has_data(kpis):
            month = period_parse(label, time_zone)
            return DefaultMonth(month=month, current=current, has_data=True)
    return DefaultMonth(month=last_complete, current=current, has_data=False)


def kpi_period_is_complete(period: Period, *, now: datetime | None = None) -> bool:
    return period.end <= (now or timezone.now())


def kpi_snapshot_job_list(limit: int = 20) -> list[KpiSnapshotJob]:
    return list(KpiSnapshotJob.objects.all()[:limit])


def kpi_history_start() -> datetime | None:
    """The earliest instant a snapshot can describe: the first stored snapshot or the earliest
    date in the data a KPI reads, whichever comes first; None when there is neither."""
    time_zone = ZoneInfo(workspace_settings_get().time_zone)
    with connection.cursor() as cursor:
        cursor.execute(data_start_sql())
        firsts = [
            local_midnight(value, time_zone) if type(value) is date else value
            for value in cursor.fetchone()
            if value is not None
        ]
    snapshot = KpiSnapshot.objects.order_by("period_start").values_list("period_start").first()
    if snapshot is not None:
        firsts.append(snapshot[0])
    return min(firsts, default=None)
