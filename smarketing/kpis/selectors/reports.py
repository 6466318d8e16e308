"""KPI reports of any period: live from one SQL statement, or read from a stored snapshot."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from smarketing.core.data_version import VersionedMemo
from smarketing.core.periods import Grain, Period

from ..definitions import kpis_compute, kpis_output
from ..models import KpiSnapshot
from ..sql import KpiContext, PeriodMeasures, kpi_measures_fetch
from .context import kpi_context_get
from .details import kpi_details_many
from .snapshots import kpi_snapshot_for_period, kpi_snapshot_is_stale


def kpi_report(
    *, period: Period, by: str | None = None, context: KpiContext | None = None
) -> dict[str, Any]:
    """The SPEC section 6 body (without `workspace`): period, rounded kpis, optional breakdown."""
    return kpi_report_breakdowns(period=period, breakdowns=(by,) if by else (), context=context)


def kpi_report_breakdowns(
    *, period: Period, breakdowns: tuple[str, ...], context: KpiContext | None = None
) -> dict[str, Any]:
    """Like `kpi_report`, with a `by_<breakdown>` entry for each of `breakdowns`, all from the
    same statement (snapshots store both by source and by owner)."""
    context = context or kpi_context_get()
    measures = kpi_measures_fetch(period=period, context=context, breakdowns=breakdowns)
    return kpi_report_from_measures(period=period, measures=measures, breakdowns=breakdowns)


def kpi_report_from_measures(
    *, period: Period, measures: PeriodMeasures, breakdowns: tuple[str, ...]
) -> dict[str, Any]:
    """The report of `period` from its measures: rounded KPIs in total and per group."""
    report: dict[str, Any] = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "kpis": kpis_output(kpis_compute(measures.of_total())),
    }
    for by in breakdowns:
        report[f"by_{by}"] = {
            name: kpis_output(kpis_compute(measures.of_group(by, name)))
            for name in measures.groups[by]
        }
    return report


def kpi_report_read(*, period: Period, by: str | None = None) -> dict[str, Any]:
    """A report for the API and pages: the snapshot when one exists for exactly this week, month
    or quarter; otherwise (a year, an explicit range, a period not computed yet) computed live,
    one SQL statement, and marked so."""
    stored = _snapshot_reports.get(
        (period.grain, period.start, period.end, by),
        lambda: _snapshot_report(period, by),
        model=KpiSnapshot,
    )
    if stored is None:
        return {**kpi_report(period=period, by=by), "computed": "live", "snapshot": None}
    return stored


# The API answers a period's stored figures from the web process's memo while the workspace's
# data version is the same (a new snapshot, definition or setting makes a new version).
_snapshot_reports = VersionedMemo("snapshot reports", size=512)


def _snapshot_report(period: Period, by: str | None) -> dict[str, Any] | None:
    # Only the columns the answer shows: the breakdown asked for, never the details.
    fields = ("kpis", "computed_at", "import_ids", "definitions_version")
    snapshot = kpi_snapshot_for_period(period, fields=fields + ((f"by_{by}",) if by else ()))
    if snapshot is None:
        return None
    report: dict[str, Any] = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "kpis": snapshot.kpis,
    }
    if by is not None:
        report[f"by_{by}"] = getattr(snapshot, f"by_{by}")
    report["computed"] = "snapshot"
    report["snapshot"] = {
        "computed_at": snapshot.computed_at.isoformat(),
        "import_ids": snapshot.import_ids,
        "definitions_version": snapshot.definitions_version,
    }
    return report


# A range's figures are kept this long at most; a new snapshot version makes them unused sooner.
RANGE_CACHE_SECONDS = 24 * 3600


def kpi_snapshot_version() -> str:
    """Changes whenever a snapshot is written or the definitions change: the latest
    `computed_at` and the definitions version (one query)."""
    latest = KpiSnapshot.objects.aggregate(latest=Max("computed_at"))["latest"]
    return f"{latest.isoformat() if latest else 'none'}:{kpi_context_get().definitions_version}"


def kpi_figures_read(period: Period) -> dict[str, Any] | None:
    """What a page shows for `period`: `{"kpis", "by_source", "by_owner", "details",
    "computed_at", "computed"}` from the period's snapshot (weeks, months, quarters, years),
    or None when it has none yet.

    An explicit range has no snapshot: it is computed once (one statement) per snapshot
    version and kept in the cache, so pages never recompute it per request; a new import or
    definition change makes a new version, and the next request computes it again.
    """
    if period.grain is not Grain.CUSTOM:
        snapshot = kpi_snapshot_for_period(period, stale_ok=True)
        if snapshot is None:
            return None
        return {
            # The previous time zone's figures while the refresh after a change runs.
            "recomputing": kpi_snapshot_is_stale(snapshot, period),
            "kpis": snapshot.kpis,
            "by_source": snapshot.by_source,
            "by_owner": snapshot.by_owner,
            "details": snapshot.details,
            "computed_at": snapshot.computed_at,
            "computed": "snapshot",
            # The shared definitions (glossary version) the figures were counted by.
            "definitions_version": snapshot.definitions_version,
        }
    key = f"kpi-range:{period.first_day}:{period.end_day}:{kpi_snapshot_version()}"
    cached = cache.get(key)
    if cached is None:
        report = kpi_report_breakdowns(period=period, breakdowns=("source", "owner"))
        cached = {
            "kpis": report["kpis"],
            "by_source": report["by_source"],
            "by_owner": report["by_owner"],
            "details": kpi_details_many(periods=[period], time_zone=period.time_zone)[period],
            "computed_at": timezone.now(),
            "computed": "range",
            "recomputing": False,
            "definitions_version": kpi_context_get().definitions_version,
        }
        cache.set(key, cached, RANGE_CACHE_SECONDS)
    return cached
