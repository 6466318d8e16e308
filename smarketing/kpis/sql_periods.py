"""The KPI engine's set-based compiler: every measure of many periods in a few statements.

A snapshot refresh needs every week, month and quarter of a range. Instead of one statement per
period (`sql.kpi_measures_sql`, the reference), each fact row is bucketed into its periods once,
from the same `definitions.MEASURES`:

- The range is cut into local days. A row's day is found by `width_bucket` over the days'
  boundaries (the same instants `Period.start` gives, so a row lands where the one-period
  statement would count it); each day belongs to one week, one month and one quarter.
- **Additive measures** (counts and sums of rows in P) are aggregated per (day, source, owner)
  first, one statement per `at` column, then summed into periods with
  `GROUPING SETS ((period), (period, source), (period, owner))`: a row is read once, and only
  by the measures placed in time by its column.
- **Medians and distinct counts** in P are not sums of days: their rows are grouped directly by
  `GROUPING SETS` over (week, month, quarter) × (total, source, owner), with each row's values
  computed once beforehand.
- **Measures over all history** (`Scope.BEFORE_END`: lifetime value, open deals) are
  increments: a row adds its value in the period holding `at` (rows older than the range in the
  first period) and takes it back in the period holding `until`; a distinct count adds each key
  once, at its first qualifying row of each group. `period_measures_fetch` sums the increments
  of each grain in period order.

What the statements return is assembled by `sql.period_measures_build`, the same code that
assembles one period, so the groups listed and the values of empty groups agree too.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.db import DatabaseError, connection, connections, transaction

from smarketing.core.periods import Grain, Period, local_midnight
from smarketing.funnel.models import Lead

from .definitions import (
    DATE_COLUMNS,
    MEASURES,
    Fact,
    Measure,
    Scope,
    aggregate_sql,
    fact_period_filter,
)
from .sql import (
    CONVERTED_DEAL_COLUMNS,
    FACT_MODELS,
    FACT_TABLES,
    FACTS_WITH_THEIR_LEAD,
    KpiContext,
    PeriodMeasures,
    breakdown_of_grouping,
    breakdowns_check,
    fact_from,
    fact_tables,
    group_columns,
    groups_listing_sql,
    measure_default,
    measure_sql,
    measures_parse,
    period_measures_build,
    statement_settings,
    workspace_measures_fetch,
)


@dataclass(frozen=True)
class PeriodGrid:
    """The periods of a refresh laid over local days: `pid` n is `periods[n - 1]`."""

    periods: tuple[Period, ...]
    grains: tuple[Grain, ...]
    first_day: date
    end_day: date
    # Local midnights from first_day to end_day included: day n is [day_starts[n-1], day_starts[n]).
    day_starts: tuple[datetime, ...]
    # Per grain and day (index n - 1): the pid of the period holding the day, or None.
    day_pids: dict[Grain, tuple[int | None, ...]]
    # The same for measures over all history: days before a grain's first period count in it.
    day_pids_from_first: dict[Grain, tuple[int | None, ...]]

    @property
    def range_start(self) -> datetime:
        return self.day_starts[0]

    @property
    def range_end(self) -> datetime:
        return self.day_starts[-1]


def period_grid(periods: Iterable[Period]) -> PeriodGrid:
    """The grid of `periods`: consecutive periods of each grain, one time zone."""
    periods = tuple(periods)
    if not periods:
        raise ValueError("no period to compute")
    time_zone = periods[0].time_zone
    if any(period.time_zone != time_zone for period in periods):
        raise ValueError("periods of one refresh share one time zone")
    by_grain: dict[Grain, list[tuple[int, Period]]] = defaultdict(list)
    for pid, period in enumerate(periods, start=1):
        by_grain[period.grain].append((pid, period))
    for grain, members in by_grain.items():
        members.sort(key=lambda member: member[1].first_day)
        for (_, before), (_, after) in pairwise(members):
            if before.end_day != after.first_day:
                raise ValueError(f"the {grain} periods of one refresh must be consecutive")
    first_day = min(period.first_day for period in periods)
    end_day = max(period.end_day for period in periods)
    days = (end_day - first_day).days
    day_pids: dict[Grain, tuple[int | None, ...]] = {}
    day_pids_from_first: dict[Grain, tuple[int | None, ...]] = {}
    for grain, members in by_grain.items():
        inside: list[int | None] = [None] * days
        for pid, period in members:
            offset = (period.first_day - first_day).days
            for index in range(offset, offset + (period.end_day - period.first_day).days):
                inside[index] = pid
        first_offset = (members[0][1].first_day - first_day).days
        day_pids[grain] = tuple(inside)
        day_pids_from_first[grain] = tuple([members[0][0]] * first_offset + inside[first_offset:])
    starts = tuple(
        local_midnight(date.fromordinal(first_day.toordinal() + n), time_zone)
        for n in range(days + 1)
    )
    return PeriodGrid(
        periods=periods,
        grains=tuple(by_grain),
        first_day=first_day,
        end_day=end_day,
        day_starts=starts,
        day_pids=day_pids,
        day_pids_from_first=day_pids_from_first,
    )


def grid_params(grid: PeriodGrid, context: KpiContext) -> dict[str, Any]:
    params: dict[str, Any] = {
        "range_start": grid.range_start,
        "range_end": grid.range_end,
        "first_day": grid.first_day,
        "end_day": grid.end_day,
        "day_starts": list(grid.day_starts),
        "tz": context.time_zone,
        "currency": context.currency,
        "sla": context.response_sla,
        "window_days": context.conversion_window_days,
        "sales_sources": list(context.sales_sources),
    }
    for grain in grid.grains:
        # 0 for "no period": an array without NULLs is subscripted in constant time.
        params[f"pids_{grain}"] = [pid or 0 for pid in grid.day_pids[grain]]
    for name, mapping in (
        ("day_pids", grid.day_pids),
        ("day_pids_from_first", grid.day_pids_from_first),
    ):
        pairs = [
            (day, pid)
            for grain in grid.grains
            for day, pid in enumerate(mapping[grain], start=1)
            if pid is not None
        ]
        params[f"{name}_day"] = [day for day, _ in pairs]
        params[f"{name}_pid"] = [pid for _, pid in pairs]
    return params


# --- SQL pieces -----------------------------------------------------------------------------


def _day(expression: str, is_date: bool) -> str:
    """The grid day (1…D) of an instant or local date; 0 or less before the range, more than D
    after it."""
    if is_date:
        return f"(({expression}) - %(first_day)s::date + 1)"
    return f"width_bucket({expression}, %(day_starts)s::timestamptz[])"


def _in_range(expression: str, is_date: bool) -> str:
    if is_date:
        return f"({expression} >= %(first_day)s AND {expression} < %(end_day)s)"
    return f"({expression} >= %(range_start)s AND {expression} < %(range_end)s)"


def _before_range_end(expression: str, is_date: bool) -> str:
    return f"{expression} < %({'end_day' if is_date else 'range_end'})s"


def _day_pids(*, from_first: bool) -> str:
    """The relation (day, pid): each grid day with the period of each grain holding it."""
    name = "day_pids_from_first" if from_first else "day_pids"
    return f"unnest(%({name}_day)s::int[], %({name}_pid)s::int[]) AS p(day, pid)"


@dataclass(frozen=True)
class Branch:
    """One statement: rows `(pid, breakdown, group, measures JSON)`; `increments` when its
    values add up over the periods of a grain (measures over all history)."""

    label: str
    sql: str
    increments: bool = False
    # Sums are grouped by hashing; only medians and distinct counts need sorted input.
    sorts: bool = False


def _key_columns(keys: dict[str, str]) -> str:
    return "".join(f", {key} AS k_{by}" for by, key in keys.items())


def _per_day(day: str, keys: dict[str, str], aggregates: list[str], rows: str) -> str:
    """Rows `(day, breakdown, grp, m0, m1…)` of `rows` (a FROM … WHERE …). Each row's measures
    are evaluated once, per (day, source, owner); those sums are then regrouped per breakdown,
    so a day has as many rows as groups, not as (source, owner) pairs."""
    columns = "".join(f", {aggregate} AS m{index}" for index, aggregate in enumerate(aggregates))
    grouped = ", ".join(str(position) for position in range(1, len(keys) + 2))
    inner = f"SELECT {day} AS day{_key_columns(keys)}{columns} {rows} GROUP BY {grouped}"
    if not keys:
        return inner.replace(" AS day", " AS day, NULL::text AS breakdown, NULL::text AS grp", 1)
    breakdown, group = breakdown_of_grouping({by: f"y.k_{by}" for by in keys})
    sums = "".join(f", sum(y.m{index}) AS m{index}" for index in range(len(aggregates)))
    sets = ", ".join(f"(y.day, y.k_{by})" for by in keys)
    return (
        f"SELECT y.day, {breakdown} AS breakdown, {group} AS grp{sums}"
        f" FROM ({inner}) AS y GROUP BY GROUPING SETS ({sets})"
    )


def _summed_into_periods(
    per_day: str, keys: dict[str, str], names: list[str], *, from_first: bool
) -> str:
    """Sum day rows into their periods, per group; a period's total is the sum of the groups of
    its first breakdown (every row has exactly one group of each)."""
    pairs = ", ".join(f"'{name}', sum(x.m{index})" for index, name in enumerate(names))
    joined = f"FROM ({per_day}) AS x JOIN {_day_pids(from_first=from_first)} ON p.day = x.day"
    measures = f"json_build_object({pairs})::text AS measures"
    if not keys:
        return f"SELECT p.pid, NULL, NULL, {measures} {joined} GROUP BY p.pid"
    return (
        f"SELECT p.pid, CASE WHEN GROUPING(x.grp) = 0 THEN x.breakdown END, x.grp, {measures}"
        f" {joined} GROUP BY GROUPING SETS ((p.pid, x.breakdown, x.grp), (p.pid, x.breakdown))"
        f" HAVING GROUPING(x.grp) = 0 OR x.breakdown = '{next(iter(keys))}'"
    )


def _additive_branch(
    grid: PeriodGrid, fact: Fact, at: str, measures: list[Measure], keys: dict[str, str], tables
) -> Branch:
    is_date = at in DATE_COLUMNS
    per_day = _per_day(
        _day(at, is_date),
        keys,
        [measure_sql(aggregate_sql(measure, measure.where), tables) for measure in measures],
        f"FROM {_fact_from(fact, tables)} WHERE {_in_range(at, is_date)}",
    )
    names = [measure.name for measure in measures]
    return Branch(f"{fact} by {at}", _summed_into_periods(per_day, keys, names, from_first=False))


def _projected(measure: Measure, column: str) -> tuple[str, Measure]:
    """A non-additive measure as (the row's value, the aggregate over that value): the value is
    computed once per row, not once per grouping set."""
    if measure.distinct:
        value = measure.distinct
        over = dataclasses.replace(measure, distinct=column, where="")
    else:
        value = measure.value
        over = dataclasses.replace(measure, value=column, where="")
    if measure.where:
        value = f"CASE WHEN {measure.where} THEN {value} END"
    return value, over


def _grouped_branch(
    grid: PeriodGrid, fact: Fact, at: str, measures: list[Measure], keys: dict[str, str], tables
) -> Branch:
    """Medians and distinct counts: grouped per period directly, over every grain at once."""
    is_date = at in DATE_COLUMNS
    projected = [_projected(measure, f"x.m{index}") for index, measure in enumerate(measures)]
    values = "".join(
        f", {measure_sql(value, tables)} AS m{index}" for index, (value, _) in enumerate(projected)
    )
    inner = (
        f"SELECT {_day(at, is_date)} AS day{_key_columns(keys)}{values}"
        f" FROM {_fact_from(fact, tables)} WHERE {_in_range(at, is_date)} OFFSET 0"
    )
    pid_columns = [f"g_{grain}" for grain in grid.grains]
    pids = ", ".join(
        f"nullif((%(pids_{grain})s::int[])[r.day], 0) AS g_{grain}" for grain in grid.grains
    )
    carried = "".join(f", r.k_{by}" for by in keys) + "".join(
        f", r.m{index}" for index in range(len(measures))
    )
    outer = {by: f"x.k_{by}" for by in keys}
    breakdown, group = breakdown_of_grouping(outer) if outer else ("NULL", "NULL")
    sets = ", ".join(
        f"(x.{column}{''.join(f', {key}' for key in chosen)})"
        for column in pid_columns
        for chosen in [[], *[[key] for key in outer.values()]]
    )
    pairs = ", ".join(
        f"'{measure.name}', {aggregate_sql(over)}"
        for measure, (_, over) in zip(measures, projected, strict=True)
    )
    pid = f"coalesce({', '.join(f'x.{column}' for column in pid_columns)})"
    return Branch(
        f"{fact} by {at} (medians, distinct counts)",
        f"SELECT {pid} AS pid, {breakdown} AS breakdown, {group} AS grp,"
        f" json_build_object({pairs})::text AS measures"
        f" FROM (SELECT {pids}{carried} FROM ({inner}) AS r) AS x"
        f" GROUP BY GROUPING SETS ({sets}) HAVING {pid} IS NOT NULL",
        sorts=True,
    )


def _history_branch(
    grid: PeriodGrid,
    fact: Fact,
    at: str,
    until: str,
    measures: list[Measure],
    keys: dict[str, str],
    tables,
) -> Branch:
    """Counts and sums over all history, as increments: + in the period holding `at` (or the
    first period), − in the period holding `until` when the row stops counting."""
    is_date = at in DATE_COLUMNS
    from_clause = _fact_from(fact, tables)
    per_day = _per_day(
        f"greatest({_day(at, is_date)}, 1)",
        keys,
        [measure_sql(aggregate_sql(measure, measure.where), tables) for measure in measures],
        f"FROM {from_clause} WHERE {_before_range_end(at, is_date)}",
    )
    if until:
        if is_date:
            raise ValueError(f"{at}: `until` needs a timestamp `at`")
        # A row counted from `at` stops at `until` (never before `at`: a row whose dates go
        # backwards is simply never counted, as in the one-period statement).
        stop = f"greatest({at}, {until})"
        per_day += " UNION ALL " + _per_day(
            f"greatest({_day(stop, is_date)}, 1)",
            keys,
            [
                "-" + measure_sql(aggregate_sql(measure, measure.where), tables)
                for measure in measures
            ],
            f"FROM {from_clause} WHERE {at} IS NOT NULL AND {until} IS NOT NULL"
            f" AND {_before_range_end(stop, is_date)}",
        )
    names = [measure.name for measure in measures]
    return Branch(
        f"{fact} by {at} over all history",
        _summed_into_periods(per_day, keys, names, from_first=True),
        increments=True,
    )


def _first_occurrence_branch(
    grid: PeriodGrid, measure: Measure, keys: dict[str, str], tables
) -> Branch:
    """A distinct count over all history: each key counts from its first qualifying row, per
    group (a lead won by two owners counts once in the total and once for each owner)."""
    is_date = measure.at in DATE_COLUMNS
    breakdown, group = breakdown_of_grouping(keys) if keys else ("NULL", "NULL")
    sets = "".join(f", ({measure.distinct}, {key})" for key in keys.values())
    where = " AND ".join(
        part
        for part in (
            measure.where,
            f"{measure.distinct} IS NOT NULL",
            _before_range_end(measure.at, is_date),
        )
        if part
    )
    firsts = (
        f"SELECT min({measure.at}) AS first, {breakdown} AS breakdown, {group} AS grp"
        f" FROM {_fact_from(measure.fact, tables)} WHERE {measure_sql(where, tables)}"
        f" GROUP BY GROUPING SETS (({measure.distinct}){sets})"
    )
    per_day = (
        f"SELECT greatest({_day('f.first', is_date)}, 1) AS day, f.breakdown, f.grp,"
        f" count(*) AS firsts FROM ({firsts}) AS f GROUP BY 1, 2, 3"
    )
    return Branch(
        f"{measure.fact} {measure.name} over all history",
        f"SELECT p.pid, x.breakdown, x.grp,"
        f" json_build_object('{measure.name}', sum(x.firsts))::text AS measures"
        f" FROM ({per_day}) AS x JOIN {_day_pids(from_first=True)} ON p.day = x.day"
        f" GROUP BY p.pid, x.breakdown, x.grp",
        increments=True,
    )


def _listing_branch(fact: Fact, keys: dict[str, str], tables) -> Branch:
    """Every group of a fact read over all history: the one-period statement lists them in
    every period."""
    breakdown, group = breakdown_of_grouping(keys)
    sets = ", ".join(f"({key})" for key in keys.values())
    return Branch(
        f"{fact} groups",
        f"SELECT NULL::int, {breakdown}, {group}, 'null'"
        f" FROM {_fact_from(fact, tables)} GROUP BY GROUPING SETS ({sets})",
    )


def _rows_of(fact: Fact) -> str:
    return f"kpi_rows_of_{fact}"


def _with_lead_placeholder(fact: Fact) -> str:
    return f"{{lead_of_{fact}}}"


def _fact_from(fact: Fact, tables: dict[str, str]) -> str:
    """The FROM clause of a fact in a set-based statement. A fact read with its lead reads the
    rows `fact_rows_sql` joined once: the lead's columns, stored beside the fact's, are aliased
    `l` by a LATERAL projection (pulled up by the planner: no join is left)."""
    if fact not in FACTS_WITH_THEIR_LEAD:
        return fact_from(fact, tables)
    _, alias = FACT_TABLES[fact]
    return f"pg_temp.{_rows_of(fact)} {alias} CROSS JOIN LATERAL {_with_lead_placeholder(fact)} l"


_LEAD_COLUMN = re.compile(r"\bl\.(\w+)")
# The fact's columns stored as they are; the lead's under this prefix.
_LEAD_PREFIX = "lead__"


def fact_rows_sql(
    branches: list[Branch], params: dict[str, Any], *, stages_from_deals: bool = False
) -> tuple[list[tuple[str, dict[str, Any] | None]], list[Branch]]:
    """For each fact read with its lead: statements `(sql, params)` keeping its rows joined
    with their lead once, only the columns `branches` read (amounts already converted), and
    the branches reading them. Several statements read each fact: joining, converting and
    hashing once costs a fraction of doing it in each."""
    tables = fact_tables(stages_from_deals=stages_from_deals, converted=True)
    lead_columns = {field.column for field in Lead._meta.concrete_fields}
    statements: list[tuple[str, dict[str, Any] | None]] = []
    for fact in sorted(FACTS_WITH_THEIR_LEAD):
        _, alias = FACT_TABLES[fact]
        name = _rows_of(fact)
        placeholder = _with_lead_placeholder(fact)
        text = " ".join(branch.sql for branch in branches if placeholder in branch.sql)
        fact_columns = {field.column for field in FACT_MODELS[fact]._meta.concrete_fields}
        if fact is Fact.DEAL:
            fact_columns |= set(CONVERTED_DEAL_COLUMNS)
        own = sorted(set(re.findall(rf"\b{alias}\.(\w+)", text)) & fact_columns)
        of_lead = sorted(({"lead_id"} | set(_LEAD_COLUMN.findall(text))) & lead_columns)
        selected = [f"{alias}.{column}" for column in own] + [
            f"l.{column} AS {_LEAD_PREFIX}{column}" for column in of_lead
        ]
        projection = ", ".join(f"{alias}.{_LEAD_PREFIX}{column} AS {column}" for column in of_lead)
        statements += [
            # Dropped first too: inside an outer transaction (tests) a previous call left it.
            (f"DROP TABLE IF EXISTS pg_temp.{name}", None),
            (
                f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {', '.join(selected)}"
                f" FROM {fact_from(fact, tables)}",
                params,
            ),
            (f"ANALYZE pg_temp.{name}", None),
        ]
        lateral = f"(SELECT {projection})"
        branches = [
            dataclasses.replace(branch, sql=branch.sql.replace(placeholder, lateral))
            for branch in branches
        ]
    return statements, branches


def period_branches(
    grid: PeriodGrid, breakdowns: tuple[str, ...], *, stages_from_deals: bool = False
) -> list[Branch]:
    """Every statement of a set-based computation, generated from `MEASURES`; those reading a
    fact with its lead read `fact_rows_sql`'s tables, which it fills in."""
    branches: list[Branch] = []
    for fact in Fact:
        tables = fact_tables(stages_from_deals=stages_from_deals, converted=True)
        keys = group_columns(fact, breakdowns)
        measures = [measure for measure in MEASURES if measure.fact is fact]
        in_period: dict[tuple[str, bool], list[Measure]] = defaultdict(list)
        history: dict[tuple[str, str], list[Measure]] = defaultdict(list)
        for measure in measures:
            if measure.scope is Scope.IN_PERIOD:
                in_period[(measure.at, measure.additive)].append(measure)
            elif measure.distinct:
                branches.append(_first_occurrence_branch(grid, measure, keys, tables))
            else:
                history[(measure.at, measure.until)].append(measure)
        for (at, additive), members in in_period.items():
            build = _additive_branch if additive else _grouped_branch
            branches.append(build(grid, fact, at, members, keys, tables))
        for (at, until), members in history.items():
            branches.append(_history_branch(grid, fact, at, until, members, keys, tables))
        if fact_period_filter(fact) is None and keys:
            branches.append(_listing_branch(fact, keys, tables))
    for listing in groups_listing_sql(breakdowns, fact_tables()):
        branches.append(
            Branch(
                "groups seen",
                f"SELECT NULL::int, s.breakdown, s.grp, NULL"
                f" FROM ({listing}) AS s(tag, breakdown, grp, measures)",
            )
        )
    return branches


def data_start_sql() -> str:
    """One row: the earliest instant of the `at` columns of `MEASURES`, one scan per fact (and
    one per `at` of another table), dates as dates."""
    tables = fact_tables()
    columns: dict[tuple[Fact, bool], list[str]] = defaultdict(list)
    for fact, at in dict.fromkeys((measure.fact, measure.at) for measure in MEASURES):
        own = at.startswith(f"{FACT_TABLES[fact][1]}.")
        columns[(fact, own)].append(f"min({at})")
    minimums = [
        f"(SELECT {'LEAST(' + ', '.join(mins) + ')' if len(mins) > 1 else mins[0]}"
        f" FROM {fact_from(fact, tables, with_lead=not own)})"
        for (fact, own), mins in columns.items()
    ]
    return f"SELECT {', '.join(minimums)}"


# --- Fetching --------------------------------------------------------------------------------


def period_measures_fetch(
    *,
    periods: Iterable[Period],
    context: KpiContext,
    breakdowns: tuple[str, ...] = (),
    progress: Callable[[str, float], None] | None = None,
) -> dict[Period, PeriodMeasures]:
    """Every measure of every period (and per source and/or owner): the same values as
    `sql.kpi_measures_fetch` for each period, from one statement per branch, all reading one
    snapshot of the data. `progress(label, seconds)` is called after each statement."""
    breakdowns_check(breakdowns)
    grid = period_grid(periods)
    params = grid_params(grid, context)
    rows_by_pid: dict[int, list[tuple[str | None, str | None, dict[str, Any] | None]]] = (
        defaultdict(list)
    )
    listed: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    increments: list[tuple[int, str | None, str | None, dict[str, Any]]] = []
    # One snapshot of the data for every statement, unless an outer transaction decides.
    consistent = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        snapshot = None
        if consistent:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        statement_settings(cursor)
        started = time.perf_counter()
        stages_from_deals = context.stages_from_deals
        statements, branches = fact_rows_sql(
            period_branches(grid, breakdowns, stages_from_deals=stages_from_deals),
            params,
            stages_from_deals=stages_from_deals,
        )
        results = _branches_run(
            branches, params, cursor, snapshot=snapshot, first=(statements, started, progress)
        )
        for branch, (rows, seconds) in zip(branches, results, strict=True):
            for pid, by, group, measures_json in rows:
                if pid is None:
                    listed.append((by, group, None if measures_json is None else {}))
                elif branch.increments:
                    increments.append((pid, by, group, measures_parse(measures_json)))
                else:
                    rows_by_pid[pid].append((by, group, measures_parse(measures_json)))
            if progress is not None:
                progress(branch.label, seconds)
        workspace = workspace_measures_fetch(cursor)
    _accumulate(grid, increments, rows_by_pid)
    return {
        period: period_measures_build(listed + rows_by_pid[pid], breakdowns, workspace)
        for pid, period in enumerate(grid.periods, start=1)
    }


logger = logging.getLogger(__name__)

# Independent statements of one refresh share the work with one more connection (two cores'
# worth); it reads the same snapshot of the data (`pg_export_snapshot`).
EXTRA_CONNECTIONS = 1


def _branch_run(cursor: Any, branch: Branch, params: dict[str, Any]) -> tuple[list, float]:
    started = time.perf_counter()
    # The planner cannot know how few (day, source, owner) groups there are (it takes every
    # timestamp for a distinct day) and would sort a million rows to group them.
    cursor.execute(f"SET LOCAL enable_sort = {'on' if branch.sorts else 'off'}")
    cursor.execute(branch.sql, params)
    return cursor.fetchall(), time.perf_counter() - started


def _branches_run(
    branches: list[Branch],
    params: dict[str, Any],
    cursor: Any,
    *,
    snapshot: str | None,
    first: tuple[list[tuple[str, dict[str, Any] | None]], float, Callable | None],
) -> list[tuple[list, float]]:
    """Each branch's rows and seconds, in branch order. `first`: the statements building this
    transaction's temporary tables (run here first), when they started, and the progress
    callback told their time. With an exported `snapshot`, the branches that do not read those
    tables are shared with `EXTRA_CONNECTIONS` more connections reading the same snapshot
    (not inside an outer transaction: another connection could not see its rows)."""
    statements, started, progress = first
    results: dict[int, tuple[list, float]] = {}
    own = [index for index, branch in enumerate(branches) if "pg_temp." in branch.sql]
    # The longest statements first (medians sort), so that the connections end together.
    shared = deque(
        sorted(
            (index for index in range(len(branches)) if index not in own),
            key=lambda index: not branches[index].sorts,
        )
    )
    failures: list[BaseException] = []
    stop = threading.Event()
    helpers = []
    if snapshot is not None:
        schema_name: str = connection.schema_name  # type: ignore[attr-defined]
        helpers = [
            threading.Thread(
                target=_helper_run,
                args=(connection.alias, schema_name, snapshot, branches, params, shared, results),
                kwargs={"failures": failures, "stop": stop},
                daemon=True,
            )
            for _ in range(EXTRA_CONNECTIONS)
        ]
    for helper in helpers:
        helper.start()
    try:
        for statement, statement_params in statements:
            cursor.execute(statement, statement_params)
        if progress is not None:
            progress("deals, activities, content with their leads", time.perf_counter() - started)
        for index in own:
            results[index] = _branch_run(cursor, branches[index], params)
        _shared_run(cursor, branches, params, shared, results, stop)
    finally:
        # Done or failed: a helper ends after its current statement.
        stop.set()
        for helper in helpers:
            helper.join()
    if failures:
        raise failures[0]
    return [results[index] for index in range(len(branches))]


def _shared_run(
    cursor: Any,
    branches: list[Branch],
    params: dict[str, Any],
    shared: deque[int],
    results: dict[int, tuple[list, float]],
    stop: threading.Event,
) -> None:
    """Run branches taken from `shared` until none is left or `stop` is set."""
    while not stop.is_set():
        try:
            index = shared.popleft()
        except IndexError:
            return
        results[index] = _branch_run(cursor, branches[index], params)


def _helper_run(
    alias: str,
    schema_name: str,
    snapshot: str,
    branches: list[Branch],
    params: dict[str, Any],
    shared: deque[int],
    results: dict[int, tuple[list, float]],
    *,
    failures: list[BaseException],
    stop: threading.Event,
) -> None:
    """A second connection (this thread's own) taking branches from `shared` until none is
    left, in a transaction reading the main one's `snapshot`."""
    helper = connections[alias]
    try:
        helper.set_schema(schema_name)  # type: ignore[attr-defined]
        try:
            helper.ensure_connection()
        except DatabaseError:
            # No second connection (the server's limit, say): the main one runs them all.
            logger.warning("KPI refresh without a second connection", exc_info=True)
            return
        with transaction.atomic(using=helper.alias), helper.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            statement_settings(cursor)
            _shared_run(cursor, branches, params, shared, results, stop)
    except BaseException as error:  # raised again by the main thread
        failures.append(error)
        stop.set()
    finally:
        helper.close()


def _accumulate(
    grid: PeriodGrid,
    increments: list[tuple[int, str | None, str | None, dict[str, Any]]],
    rows_by_pid: dict[int, list[tuple[str | None, str | None, dict[str, Any] | None]]],
) -> None:
    """Turn increments into values: per grain, a running sum in period order, per group."""
    by_pid: dict[int, list[tuple[str | None, str | None, dict[str, Any]]]] = defaultdict(list)
    for pid, by, group, values in increments:
        by_pid[pid].append((by, group, values))
    defaults = {measure.name: measure_default(measure) for measure in MEASURES}
    for grain in grid.grains:
        pids = sorted(
            {pid for pid in grid.day_pids[grain] if pid is not None},
            key=lambda pid: grid.periods[pid - 1].first_day,
        )
        running: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for pid in pids:
            for by, group, values in by_pid.get(pid, ()):
                totals = running.setdefault((by, group), {})
                for name, value in values.items():
                    totals[name] = totals.get(name, defaults[name]) + value
            for (by, group), totals in running.items():
                rows_by_pid[pid].append((by, group, dict(totals)))
