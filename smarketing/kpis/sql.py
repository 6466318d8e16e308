"""The KPI engine's SQL compiler: every measure of a period in one statement.

`kpi_measures_sql` builds a single statement: one conditional-aggregate SELECT per fact
(funnel table) of `definitions.MEASURES`, glued with UNION ALL, each grouped by
`GROUPING SETS ((), (source))` (or owner) so the total and every group come from the same scan.
Each branch returns its measures as one JSON object, parsed with exact decimals
(`kpi_measures_fetch`). The statement's text holds only the code's own constants; the period
and the workspace's settings travel as parameters (`kpi_measures_params`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import connection, transaction

from smarketing.core.periods import Period
from smarketing.funnel.models import Activity, ContentDownload, Deal, Lead, Spend, Traffic

from .definitions import (
    BREAKDOWNS,
    FACT_FILTERS,
    MEASURES,
    UNASSIGNED,
    UNATTRIBUTED,
    Fact,
    MeasureKind,
    in_period,
)


@dataclass(frozen=True)
class KpiContext:
    """The workspace settings a KPI computation depends on."""

    time_zone: str
    response_sla: timedelta
    conversion_window_days: int | None
    sales_sources: tuple[str, ...]
    definitions_version: int


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
        cursor.execute("SELECT set_config('work_mem', %s, true)", [KPI_QUERY_WORK_MEM])
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
