"""Reads of the KPI engine: the measures of a period in one SQL statement, and KPI reports.

`kpi_measures_fetch` builds a single statement: one conditional-aggregate SELECT per fact
(funnel table) of `definitions.MEASURES`, glued with UNION ALL, each grouped by
`GROUPING SETS ((), (source))` (or owner) so the total and every group come from the same scan.
Each branch returns its measures as one JSON object, parsed with exact decimals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from smarketing.configuration.models import DEFAULT_SALES_CHANNELS, KpiTarget, OwningTeam
from smarketing.configuration.selectors import channel_ownership_overrides, workspace_settings_get
from smarketing.core.periods import (
    SNAPSHOT_GRAINS,
    Grain,
    Period,
    PeriodError,
    period_between,
    period_containing,
    period_parse,
)
from smarketing.funnel.models import Activity, ContentDownload, Deal, Lead, Spend, Traffic

from .anomalies import (
    BASELINE_PERIODS,
    STABILITY_MONTHS,
    coefficient_of_variation,
    series_anomalies,
)
from .compute import Unit, output_value
from .definitions import (
    FACT_FILTERS,
    KPIS,
    KPIS_BY_KEY,
    MEASURES,
    RATE_KEYS,
    TRANSITIONS,
    Fact,
    MeasureKind,
    in_period,
    kpis_compute,
    kpis_output,
)
from .models import KpiSnapshot, KpiSnapshotJob
from .planner import RATE_KEYS as PLANNER_RATE_KEYS
from .planner import funnel_plan

UNATTRIBUTED = "unattributed"
UNASSIGNED = "unassigned"
BREAKDOWNS = ("source", "owner")


@dataclass(frozen=True)
class KpiContext:
    """The workspace settings a KPI computation depends on."""

    time_zone: str
    response_sla: timedelta
    conversion_window_days: int | None
    sales_sources: tuple[str, ...]
    definitions_version: int


def kpi_context_get() -> KpiContext:
    settings_row = workspace_settings_get()
    overrides = channel_ownership_overrides()
    sales = {source for source in DEFAULT_SALES_CHANNELS if source not in overrides}
    sales |= {source for source, team in overrides.items() if team == OwningTeam.SALES}
    return KpiContext(
        time_zone=settings_row.time_zone,
        response_sla=timedelta(hours=float(settings_row.response_sla_hours)),
        conversion_window_days=settings_row.conversion_window_days,
        sales_sources=tuple(sorted(sales)),
        definitions_version=settings_row.definitions_version,
    )


def kpi_period_parse(text: str) -> Period:
    """A period text of SPEC section 4 in the current workspace's time zone."""
    return period_parse(text, ZoneInfo(workspace_settings_get().time_zone))


def _tables() -> dict[str, str]:
    return {
        "lead": Lead._meta.db_table,
        "deal": Deal._meta.db_table,
        "spend": Spend._meta.db_table,
        "traffic": Traffic._meta.db_table,
        "activity": Activity._meta.db_table,
        "content": ContentDownload._meta.db_table,
    }


def _fact_from(fact: Fact, tables: dict[str, str]) -> str:
    lead = tables["lead"]
    return {
        Fact.LEAD: f"{lead} l",
        Fact.DEAL: f"{tables['deal']} d LEFT JOIN {lead} l ON l.lead_id = d.lead_id",
        Fact.SPEND: f"{tables['spend']} s",
        Fact.TRAFFIC: f"{tables['traffic']} t",
        Fact.ACTIVITY: f"{tables['activity']} a LEFT JOIN {lead} l ON l.lead_id = a.lead_id",
        Fact.CONTENT: f"{tables['content']} c LEFT JOIN {lead} l ON l.lead_id = c.lead_id",
    }[fact]


# The group of a fact's row. Deals, activities and content go by their lead's source, and are
# `unattributed` when the lead is missing or unknown; spend and traffic have no owner.
_GROUP_KEYS: dict[str, dict[Fact, str]] = {
    "source": {
        Fact.LEAD: "l.source",
        Fact.DEAL: f"coalesce(l.source, '{UNATTRIBUTED}')",
        Fact.SPEND: "s.source",
        Fact.TRAFFIC: "t.source",
        Fact.ACTIVITY: f"coalesce(l.source, '{UNATTRIBUTED}')",
        Fact.CONTENT: f"coalesce(l.source, '{UNATTRIBUTED}')",
    },
    "owner": {
        Fact.LEAD: "l.owner",
        Fact.DEAL: "d.owner",
        Fact.ACTIVITY: "a.owner",
        Fact.CONTENT: "coalesce(l.owner, '')",
    },
}
# Grouping sorts by these keys: byte order ("C") is several times faster than a locale's rules.
_GROUP_KEYS = {
    by: {fact: f'({key}) COLLATE "C"' for fact, key in keys.items()}
    for by, keys in _GROUP_KEYS.items()
}

# Every lead measure needs one of the stage dates in P: only those rows are read.
_LEAD_FILTER = " OR ".join(
    in_period(column)
    for column in ("l.created_at", "l.mql_at", "l.sql_at", "l.opportunity_at", "l.customer_at")
)


def _fact_filters() -> dict[Fact, str]:
    return {**FACT_FILTERS, Fact.LEAD: _LEAD_FILTER}


def kpi_measures_sql(breakdowns: tuple[str, ...] = ()) -> str:
    """The one statement computing every measure for a period, in total and per group of each
    of `breakdowns` ("source", "owner"): each fact is read once, grouped by grouping sets."""
    tables = _tables()
    filters = _fact_filters()
    branches = []
    for fact in Fact:
        measures = [measure for measure in MEASURES if measure.fact is fact]
        pairs = ", ".join(
            f"'{measure.name}', {measure.sql.replace('{content_table}', tables['content'])}"
            for measure in measures
        )
        where = f" WHERE {filters[fact]}" if fact in filters else ""
        keys = {by: _GROUP_KEYS[by][fact] for by in breakdowns if fact in _GROUP_KEYS[by]}
        if not keys:
            branches.append(
                f"SELECT '{fact}' AS fact, NULL::text AS breakdown, NULL::text AS grp,"
                f" json_build_object({pairs})::text AS measures"
                f" FROM {_fact_from(fact, tables)}{where}"
            )
            continue
        # A row belongs to the one grouping set whose key it is grouped by; none → the total.
        breakdown = " ".join(f"WHEN GROUPING({key}) = 0 THEN '{by}'" for by, key in keys.items())
        group = " ".join(f"WHEN GROUPING({key}) = 0 THEN {key}::text" for key in keys.values())
        sets = ", ".join(f"({key})" for key in keys.values())
        branches.append(
            f"SELECT '{fact}' AS fact, CASE {breakdown} END AS breakdown, CASE {group} END AS grp,"
            f" json_build_object({pairs})::text AS measures"
            f" FROM {_fact_from(fact, tables)}{where}"
            f" GROUP BY GROUPING SETS ((), {sets})"
        )
    if "source" in breakdowns:
        # SPEC: by_source lists every source seen in leads, spend or traffic.
        branches.append(
            f"SELECT 'sources', 'source', source, NULL FROM (SELECT DISTINCT source FROM"
            f" {tables['lead']} UNION SELECT source FROM {tables['spend']}"
            f" UNION SELECT source FROM {tables['traffic']}) AS seen"
        )
    return "\nUNION ALL\n".join(branches)


def kpi_measures_params(period: Period, context: KpiContext) -> dict[str, Any]:
    return {
        "start": period.start,
        "end": period.end,
        "start_day": period.first_day,
        "end_day": period.end_day,
        "tz": context.time_zone,
        "sla": context.response_sla,
        "window_days": context.conversion_window_days,
        "sales_sources": list(context.sales_sources),
    }


def _measure_value(kind: MeasureKind, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is MeasureKind.COUNT:
        return int(raw)
    if kind is MeasureKind.SUM:
        return Fraction(raw)
    return Fraction(raw) / 1_000_000  # median of microseconds → seconds


_DEFAULTS = {MeasureKind.COUNT: 0, MeasureKind.SUM: Fraction(0)}


@dataclass
class PeriodMeasures:
    """The measures of one period: the total, and per group of each breakdown asked
    (`groups["source"]["email"]`)."""

    total: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


KPI_QUERY_WORK_MEM = "64MB"

# The group of a row whose group key is empty (NULL), per breakdown.
_NO_GROUP = {"source": UNATTRIBUTED, "owner": UNASSIGNED}


def kpi_measures_fetch(
    *, period: Period, context: KpiContext, breakdowns: tuple[str, ...] = ()
) -> PeriodMeasures:
    """Every measure of `period` (and per source and/or owner) from one SQL statement."""
    for by in breakdowns:
        if by not in BREAKDOWNS:
            raise ValueError(f"unknown breakdown {by!r}")
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT compilation of this wide statement costs more than it saves at any data size.
        cursor.execute("SET LOCAL jit = off")
        # With the default 4 MB, the sorts feeding the medians and the hash of leads the deals
        # join spill to disk, in more batches as data grows (EXPLAIN at 1M vs 2M leads: 16 → 32
        # hash batches, ~10 → ~160 MB of temp files): time grew faster than the data. 64 MB
        # keeps them in memory up to a few million leads, for this statement only.
        cursor.execute(f"SET LOCAL work_mem = '{KPI_QUERY_WORK_MEM}'")
        cursor.execute(kpi_measures_sql(breakdowns), kpi_measures_params(period, context))
        rows = cursor.fetchall()
    kinds = {measure.name: measure.kind for measure in MEASURES}
    result = PeriodMeasures()
    group_names: dict[str, set[str]] = {by: set() for by in breakdowns}
    parsed: list[tuple[str, str, dict[str, Any]]] = []
    for fact, by, group, measures_json in rows:
        if fact == "sources":
            group_names[by].add(group)
            continue
        values = json.loads(measures_json, parse_float=Decimal)
        measures = {name: _measure_value(kinds[name], raw) for name, raw in values.items()}
        if by is None:
            result.total.update(measures)
            continue
        name = group or _NO_GROUP[by]
        group_names[by].add(name)
        parsed.append((by, name, measures))
    if "source" in breakdowns:
        group_names["source"].add(UNATTRIBUTED)
    for by, names in group_names.items():
        # A group with no row in a fact it is broken down by has zero counts and sums there.
        defaults = {
            measure.name: _DEFAULTS.get(measure.kind)
            for measure in MEASURES
            if measure.fact in _GROUP_KEYS[by]
        }
        result.groups[by] = {name: dict(defaults) for name in sorted(names)}
    for by, name, measures in parsed:
        result.groups[by][name].update(measures)
    return result


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
    report: dict[str, Any] = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "kpis": kpis_output(kpis_compute(measures.total)),
    }
    for by in breakdowns:
        report[f"by_{by}"] = {
            name: kpis_output(kpis_compute(group)) for name, group in measures.groups[by].items()
        }
    return report


# --- Snapshots ---------------------------------------------------------------------------------


def kpi_snapshot_for_period(period: Period) -> KpiSnapshot | None:
    """The stored snapshot of exactly this standard period, if any."""
    if period.grain not in SNAPSHOT_GRAINS:
        return None
    return KpiSnapshot.objects.filter(grain=period.grain, period_start=period.start).first()


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


def kpi_snapshot_series(*, grain: Grain, first: Period, last: Period) -> list[Any]:
    """Every period of `grain` from `first` to `last` (both included) with its snapshot or None."""
    snapshots = {
        snapshot.period_start: snapshot
        for snapshot in KpiSnapshot.objects.filter(
            grain=grain, period_start__gte=first.start, period_start__lte=last.start
        )
    }
    series = []
    period = first
    while period.start <= last.start:
        series.append((period, snapshots.get(period.start)))
        period = period.next()
    return series


def kpi_value(snapshot_values: dict[str, Any] | None, key: str) -> Any:
    """A KPI's value in a snapshot's kpis; `stage_days_median.mql_to_sql` reaches into objects."""
    if snapshot_values is None:
        return None
    name, _, part = key.partition(".")
    value = snapshot_values.get(name)
    return value.get(part) if part and isinstance(value, dict) else value


SCALAR_KPI_KEYS = tuple(
    key
    for kpi in KPIS
    for key in (
        [f"{kpi.key}.{name}" for name in TRANSITIONS]
        if kpi.unit is Unit.DAYS_BY_STAGE
        else [kpi.key]
    )
)


def kpi_anomaly_list(
    *, grain: Grain, first: Period, last: Period, kpis: tuple[str, ...] = SCALAR_KPI_KEYS
) -> list[dict[str, Any]]:
    """Flagged snapshot values between `first` and `last`, each judged against the 8 periods of
    the same grain before it (read from snapshots too)."""
    baseline_start = first
    for _ in range(BASELINE_PERIODS):
        baseline_start = baseline_start.previous()
    series = kpi_snapshot_series(grain=grain, first=baseline_start, last=last)
    found = []
    for key in kpis:
        points = [
            (period.label, kpi_value(snapshot.kpis if snapshot else None, key))
            for period, snapshot in series
        ]
        for label, score in series_anomalies(points):
            if label < first.label:
                continue
            found.append(
                {
                    "kpi": key,
                    "period": label,
                    "value": score.value,
                    "direction": score.direction,
                    "baseline_median": score.baseline_median,
                    "mad": score.mad,
                    "robust_z": round(score.z, 6),
                    "deviation": round(score.value - score.baseline_median, 6),
                    "baseline_periods": score.baseline_size,
                }
            )
    return sorted(found, key=lambda item: (item["period"], item["kpi"]))


def kpi_stability_list(*, last_month: Period) -> list[dict[str, Any]]:
    """Coefficient of variation of every rate over the 6 monthly snapshots ending `last_month`."""
    first = last_month
    for _ in range(STABILITY_MONTHS - 1):
        first = first.previous()
    series = kpi_snapshot_series(grain=Grain.MONTH, first=first, last=last_month)
    result = []
    for key in RATE_KEYS:
        values = [kpi_value(snapshot.kpis if snapshot else None, key) for _, snapshot in series]
        cv = coefficient_of_variation(values)
        result.append(
            {
                "kpi": key,
                "months": [period.label for period, _ in series],
                "values": values,
                "coefficient_of_variation": None if cv is None else round(cv, 6),
            }
        )
    return result


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
    earliest = last_complete
    for _ in range(DEFAULT_MONTH_LOOKBACK - 1):
        earliest = earliest.previous()
    snapshots = KpiSnapshot.objects.filter(
        grain=Grain.MONTH, period_start__gte=earliest.start, period_start__lt=current.start
    ).order_by("-period_start")
    for start, kpis in snapshots.values_list("period_start", "kpis"):
        if snapshot_has_data(kpis):
            month = period_containing(Grain.MONTH, start.astimezone(time_zone).date(), time_zone)
            return DefaultMonth(month=month, current=current, has_data=True)
    return DefaultMonth(month=last_complete, current=current, has_data=False)


def kpi_period_is_complete(period: Period, *, now: datetime | None = None) -> bool:
    return period.end <= (now or timezone.now())


def kpi_target_map() -> dict[str, KpiTarget]:
    """The workspace's KPI targets by KPI key."""
    return {target.kpi: target for target in KpiTarget.objects.all()}


def kpi_snapshot_job_list(limit: int = 20) -> list[KpiSnapshotJob]:
    return list(KpiSnapshotJob.objects.all()[:limit])


# --- Goal planner ------------------------------------------------------------------------------

PLANNER_TRAILING_MONTHS = 12


def funnel_plan_get(*, revenue: Decimal, period: Period) -> dict[str, Any]:
    """The goal planner for `period`, with the rates of the 12 months before it (computed live:
    one SQL statement over that range)."""
    if period.grain not in (Grain.YEAR, Grain.QUARTER, Grain.MONTH):
        raise PeriodError("plan for a year, a quarter or a month")
    first_month = period_containing(Grain.MONTH, period.first_day, period.time_zone)
    for _ in range(PLANNER_TRAILING_MONTHS):
        first_month = first_month.previous()
    trailing = period_between(first_month.first_day, period.first_day, period.time_zone)
    context = kpi_context_get()
    values = kpis_compute(kpi_measures_fetch(period=trailing, context=context).total)
    rates = {key: values[key] for key in ("average_deal_size", *PLANNER_RATE_KEYS)}
    plan = funnel_plan(revenue=revenue, rates=rates, months=period.months)
    return {
        "revenue": float(revenue),
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "months": period.months,
        "rates_from": {"start": trailing.start.isoformat(), "end": trailing.end.isoformat()},
        "rates": {key: output_value(value, KPIS_BY_KEY[key].unit) for key, value in rates.items()},
        **plan,
    }
