"""KPI reports of any period: live from one SQL statement, or read from a stored snapshot."""

from __future__ import annotations

from typing import Any

from smarketing.core.periods import Period

from ..definitions import kpis_compute, kpis_output
from ..sql import KpiContext, PeriodMeasures, kpi_measures_fetch
from .context import kpi_context_get
from .snapshots import kpi_snapshot_for_period


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
        "kpis": kpis_output(kpis_compute(measures.total)),
    }
    for by in breakdowns:
        report[f"by_{by}"] = {
            name: kpis_output(kpis_compute(group)) for name, group in measures.groups[by].items()
        }
    return report


def kpi_report_read(*, period: Period, by: str | None = None) -> dict[str, Any]:
    """A report for the API and pages: the snapshot when one exists for exactly this week, month
    or quarter; otherwise (a year, an explicit range, a period not computed yet) computed live,
    one SQL statement, and marked so."""
    snapshot = kpi_snapshot_for_period(period)
    if snapshot is None:
        return {**kpi_report(period=period, by=by), "computed": "live", "snapshot": None}
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
