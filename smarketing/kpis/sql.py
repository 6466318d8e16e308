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

from smarketing.configuration.models import ExchangeRate
from smarketing.core.periods import Period
from smarketing.funnel.models import Activity, ContentDownload, Deal, Lead, Spend, Traffic

from .definitions import (
    BREAKDOWNS,
    MEASURES,
    UNASSIGNED,
    UNATTRIBUTED,
    WORKSPACE_MEASURES,
    Fact,
    Measure,
    MeasureKind,
    fact_period_filter,
)


@dataclass(frozen=True)
class KpiContext:
    """The workspace settings a KPI computation depends on."""

    time_zone: str
    response_sla: timedelta
    conversion_window_days: int | None
    sales_sources: tuple[str, ...]
    definitions_version: int
    # SPEC 3.1: leads take their missing opportunity and customer dates from their deals.
    stages_from_deals: bool = False
    # The workspace's currency: deals in another one are converted (SPEC 3.1).
    currency: str = "USD"


def fact_tables(*, stages_from_deals: bool = False, converted: bool = False) -> dict[str, str]:
    """Fact table → the relation read (a table name, or a parenthesised SELECT to alias).
    `converted`: deals with their amounts in the workspace's currency (what money measures
    read; needs the `currency` and `tz` parameters)."""
    return {
        "lead": leads_with_stages_from_deals() if stages_from_deals else Lead._meta.db_table,
        "deal": deals_converted() if converted else Deal._meta.db_table,
        "spend": Spend._meta.db_table,
        "traffic": Traffic._meta.db_table,
        "activity": Activity._meta.db_table,
        "content": ContentDownload._meta.db_table,
    }


# SPEC 3.1 "Stages from deals" (a workspace setting): a lead without opportunity_at takes its
# earliest deal's created_at, and one without customer_at its earliest won deal's closed_at (the
# first close among its won deals). Read this way by the KPI statements only: stored leads keep
# what was imported, so turning the setting off gives the imported figures back.
STAGES_FROM_DEALS = {
    "opportunity_at": "min(created_at)",
    "customer_at": "min(closed_at) FILTER (WHERE status = 'won')",
}


def leads_with_stages_from_deals() -> str:
    """The lead table as the KPIs read it with stages from deals: a relation to alias."""
    kept = [
        field.column
        for field in Lead._meta.concrete_fields
        if field.column not in STAGES_FROM_DEALS
    ]
    derived = ", ".join(
        f"coalesce(l0.{column}, fd.{column}) AS {column}" for column in STAGES_FROM_DEALS
    )
    firsts = ", ".join(f"{first} AS {column}" for column, first in STAGES_FROM_DEALS.items())
    return (
        f"(SELECT {', '.join(f'l0.{column}' for column in kept)}, {derived}"
        f" FROM {Lead._meta.db_table} l0 LEFT JOIN (SELECT lead_id, {firsts}"
        f" FROM {Deal._meta.db_table} WHERE lead_id <> '' GROUP BY lead_id) fd"
        f" ON fd.lead_id = l0.lead_id)"
    )


def _converted_amount(instant: str) -> str:
    """A deal's amount in the workspace's currency at the rate of `instant`'s month (local), the
    month's own rate first, else the rate for every month; NULL when there is none. The rate is
    looked up only for deals in another currency (a CASE branch runs only when reached)."""
    return (
        f"CASE WHEN d0.currency IN ('', %(currency)s) THEN d0.amount"
        f" ELSE d0.amount * (SELECT r.rate FROM {ExchangeRate._meta.db_table} r"
        f" WHERE r.currency = d0.currency AND (r.month IS NULL"
        f" OR r.month = date_trunc('month', {instant} AT TIME ZONE %(tz)s)::date)"
        f" ORDER BY r.month IS NULL LIMIT 1) END"
    )


# The columns `deals_converted` adds to the deal table.
CONVERTED_DEAL_COLUMNS = ("amount_closed", "amount_created")


def deals_converted() -> str:
    """The deal table with `amount_closed` (converted at the rate of closed_at's month) and
    `amount_created` (at created_at's month), NULL where the currency has no rate for it
    (SPEC 3.1 "Currencies"): a relation to alias."""
    return (
        f"(SELECT d0.*, {_converted_amount('d0.closed_at')} AS amount_closed,"
        f" {_converted_amount('d0.created_at')} AS amount_created"
        f" FROM {Deal._meta.db_table} d0)"
    )


# Fact → (its table in `fact_tables()`, the alias its measures use).
FACT_TABLES = {
    Fact.LEAD: ("lead", "l"),
    Fact.DEAL: ("deal", "d"),
    Fact.SPEND: ("spend", "s"),
    Fact.TRAFFIC: ("traffic", "t"),
    Fact.ACTIVITY: ("activity", "a"),
    Fact.CONTENT: ("content", "c"),
}
# Fact → its model (facts read from one table).
FACT_MODELS = {
    Fact.LEAD: Lead,
    Fact.DEAL: Deal,
    Fact.SPEND: Spend,
    Fact.TRAFFIC: Traffic,
    Fact.ACTIVITY: Activity,
    Fact.CONTENT: ContentDownload,
}
# Facts read with their lead (`LEFT JOIN lead l ON l.lead_id = <alias>.lead_id`); only the leads
# their rows name are ever joined.
FACTS_WITH_THEIR_LEAD = frozenset({Fact.DEAL, Fact.ACTIVITY, Fact.CONTENT})


def fact_from(fact: Fact, tables: dict[str, str], *, with_lead: bool = True) -> str:
    """The FROM clause of a fact, with the aliases its measures use."""
    table, alias = FACT_TABLES[fact]
    clause = f"{tables[table]} {alias}"
    if with_lead and fact in FACTS_WITH_THEIR_LEAD:
        clause += f" LEFT JOIN {tables['lead']} l ON l.lead_id = {alias}.lead_id"
    return clause


# The group of a fact's row. Deals, activities and content go by their lead's source, and are
# `unattributed` when the lead is missing or unknown; spend and traffic have no owner.
GROUP_KEYS: dict[str, dict[Fact, str]] = {
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
GROUP_KEYS = {
    by: {fact: f'({key}) COLLATE "C"' for fact, key in keys.items()}
    for by, keys in GROUP_KEYS.items()
}


def measure_sql(text: str, tables: dict[str, str]) -> str:
    """A measure's SQL with the tables it names by placeholder filled in."""
    return text.replace("{content_table}", tables["content"])


def group_columns(fact: Fact, breakdowns: tuple[str, ...]) -> dict[str, str]:
    """Breakdown → the expression grouping `fact`'s rows by it (facts without it are left out)."""
    return {by: GROUP_KEYS[by][fact] for by in breakdowns if fact in GROUP_KEYS[by]}


def breakdown_of_grouping(keys: dict[str, str]) -> tuple[str, str]:
    """(breakdown, group) SELECT expressions for rows grouped by GROUPING SETS over `keys`: a row
    belongs to the one set whose key it is grouped by; none → the total (both NULL)."""
    breakdown = " ".join(f"WHEN GROUPING({key}) = 0 THEN '{by}'" for by, key in keys.items())
    group = " ".join(f"WHEN GROUPING({key}) = 0 THEN {key}::text" for key in keys.values())
    return f"CASE {breakdown} END", f"CASE {group} END"


def sources_listing_sql(tables: dict[str, str]) -> str:
    """SPEC: by_source lists every source seen in leads, spend or traffic (rows 'sources')."""
    return (
        f"SELECT 'sources', 'source', source, NULL FROM (SELECT DISTINCT source FROM"
        f" {tables['lead']} UNION SELECT source FROM {tables['spend']}"
        f" UNION SELECT source FROM {tables['traffic']}) AS seen"
    )


def owners_listing_sql(tables: dict[str, str]) -> str:
    """SPEC: by_owner lists every owner seen in leads, deals or activities (rows 'owners'; the
    empty owner is `unassigned`, listed anyway)."""
    return (
        f"SELECT 'owners', 'owner', owner, NULL FROM (SELECT DISTINCT owner FROM"
        f" {tables['lead']} UNION SELECT owner FROM {tables['deal']}"
        f" UNION SELECT owner FROM {tables['activity']}) AS seen WHERE owner <> ''"
    )


def groups_listing_sql(breakdowns: tuple[str, ...], tables: dict[str, str]) -> list[str]:
    """The statements listing every group of `breakdowns` seen in the data, whatever the
    period: rows `(tag, breakdown, group, NULL)`."""
    listings = {"source": sources_listing_sql, "owner": owners_listing_sql}
    return [listings[by](tables) for by in breakdowns]


def workspace_measures_sql() -> str:
    """One row, one column: `WORKSPACE_MEASURES` as a JSON object."""
    tables = fact_tables()
    pairs = ", ".join(
        f"'{name}', {measure_sql(expression, tables)}"
        for name, expression in WORKSPACE_MEASURES.items()
    )
    return f"SELECT json_build_object({pairs})::text"


def workspace_measures_fetch(cursor: Any) -> dict[str, Any]:
    cursor.execute(workspace_measures_sql())
    return dict(json.loads(cursor.fetchone()[0]))


def kpi_measures_sql(breakdowns: tuple[str, ...] = (), *, stages_from_deals: bool = False) -> str:
    """The one statement computing every measure for a period, in total and per group of each
    of `breakdowns` ("source", "owner"): each fact is read once, grouped by grouping sets."""
    tables = fact_tables(stages_from_deals=stages_from_deals, converted=True)
    branches = []
    for fact in Fact:
        measures = [measure for measure in MEASURES if measure.fact is fact]
        pairs = ", ".join(
            f"'{measure.name}', {measure_sql(measure.sql, tables)}" for measure in measures
        )
        row_filter = fact_period_filter(fact)
        where = f" WHERE {row_filter}" if row_filter else ""
        keys = group_columns(fact, breakdowns)
        if not keys:
            branches.append(
                f"SELECT '{fact}' AS fact, NULL::text AS breakdown, NULL::text AS grp,"
                f" json_build_object({pairs})::text AS measures"
                f" FROM {fact_from(fact, tables)}{where}"
            )
            continue
        breakdown, group = breakdown_of_grouping(keys)
        sets = ", ".join(f"({key})" for key in keys.values())
        branches.append(
            f"SELECT '{fact}' AS fact, {breakdown} AS breakdown, {group} AS grp,"
            f" json_build_object({pairs})::text AS measures"
            f" FROM {fact_from(fact, tables)}{where}"
            f" GROUP BY GROUPING SETS ((), {sets})"
        )
    branches += groups_listing_sql(breakdowns, fact_tables())
    return "\nUNION ALL\n".join(branches)


def kpi_measures_params(period: Period, context: KpiContext) -> dict[str, Any]:
    return {
        "start": period.start,
        "end": period.end,
        "start_day": period.first_day,
        "end_day": period.end_day,
        "tz": context.time_zone,
        "currency": context.currency,
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


_KINDS = {measure.name: measure.kind for measure in MEASURES}
# A measure's value over no row at all (a group without rows in a fact it is broken down by).
MEASURE_DEFAULTS = {MeasureKind.COUNT: 0, MeasureKind.SUM: Fraction(0)}


def measure_default(measure: Measure) -> Any:
    return MEASURE_DEFAULTS.get(measure.kind)


def measures_parse(measures_json: str) -> dict[str, Any]:
    """One JSON object of raw measures as exact Python values (int, Fraction, None)."""
    values = json.loads(measures_json, parse_float=Decimal)
    return {name: _measure_value(_KINDS[name], raw) for name, raw in values.items()}


@dataclass
class PeriodMeasures:
    """The measures of one period: the total, and per group of each breakdown asked
    (`groups["source"]["email"]`)."""

    total: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # `WORKSPACE_MEASURES`: the same for the total and every group.
    workspace: dict[str, Any] = field(default_factory=dict)

    def of_total(self) -> dict[str, Any]:
        return {**self.total, **self.workspace}

    def of_group(self, by: str, name: str) -> dict[str, Any]:
        return {**self.groups[by][name], **self.workspace}


KPI_QUERY_WORK_MEM = "64MB"

# The group of a row whose group key is empty (NULL), per breakdown.
_NO_GROUP = {"source": UNATTRIBUTED, "owner": UNASSIGNED}


def period_measures_build(
    rows: list[tuple[str | None, str | None, dict[str, Any] | None]],
    breakdowns: tuple[str, ...],
    workspace: dict[str, Any] | None = None,
) -> PeriodMeasures:
    """Assemble one period from rows `(breakdown, group, measures)`: breakdown None is the
    total; measures None lists a group name as it is (every source seen). Measures of the same
    group from several rows are merged; what no row gave takes its value over no row."""
    result = PeriodMeasures(workspace=dict(workspace or {}))
    group_names: dict[str, set[str]] = {by: set() for by in breakdowns}
    parsed: list[tuple[str, str, dict[str, Any]]] = []
    for by, group, measures in rows:
        if measures is None:
            group_names[str(by)].add(str(group))
        elif by is None:
            result.total.update(measures)
        else:
            name = group or _NO_GROUP[by]
            group_names[by].add(name)
            parsed.append((by, name, measures))
    for measure in MEASURES:
        result.total.setdefault(measure.name, measure_default(measure))
    for by in breakdowns:
        group_names[by].add(_NO_GROUP[by])
    for by, names in group_names.items():
        # A group with no row in a fact it is broken down by has zero counts and sums there.
        defaults = {
            measure.name: measure_default(measure)
            for measure in MEASURES
            if measure.fact in GROUP_KEYS[by]
        }
        result.groups[by] = {name: dict(defaults) for name in sorted(names)}
    for by, name, measures in parsed:
        result.groups[by][name].update(measures)
    return result


def breakdowns_check(breakdowns: tuple[str, ...]) -> None:
    for by in breakdowns:
        if by not in BREAKDOWNS:
            raise ValueError(f"unknown breakdown {by!r}")


def statement_settings(cursor: Any) -> None:
    """Settings of the KPI statements, local to the transaction."""
    # JIT compilation of these wide statements costs more than it saves at any data size.
    cursor.execute("SET LOCAL jit = off")
    # With the default 4 MB, the sorts feeding the medians and the hash of leads the deals
    # join spill to disk, in more batches as data grows (EXPLAIN at 1M vs 2M leads: 16 → 32
    # hash batches, ~10 → ~160 MB of temp files): time grew faster than the data. 64 MB
    # keeps them in memory up to a few million leads, for this transaction only.
    cursor.execute("SELECT set_config('work_mem', %s, true)", [KPI_QUERY_WORK_MEM])


def kpi_measures_fetch(
    *, period: Period, context: KpiContext, breakdowns: tuple[str, ...] = ()
) -> PeriodMeasures:
    """Every measure of `period` (and per source and/or owner) from one SQL statement."""
    breakdowns_check(breakdowns)
    with transaction.atomic(), connection.cursor() as cursor:
        statement_settings(cursor)
        cursor.execute(
            kpi_measures_sql(breakdowns, stages_from_deals=context.stages_from_deals),
            kpi_measures_params(period, context),
        )
        rows = cursor.fetchall()
        workspace = workspace_measures_fetch(cursor)
    return period_measures_build(
        [
            (by, group, None if fact in ("sources", "owners") else measures_parse(measures_json))
            for fact, by, group, measures_json in rows
        ],
        breakdowns,
        workspace,
    )
