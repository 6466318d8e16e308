"""Every KPI of SPEC section 5, defined once. No Django imports.

Two layers, both declared here:

- **Measures** are the counts, sums and medians PostgreSQL aggregates over one *fact* (a funnel
  table with its alias, see `sql.py`), declared by their parts: the column that places a row in
  time (`at`), a condition on the row, the value aggregated. The compiler (`sql.py`) turns them
  into one conditional-aggregate statement for one period (`Measure.sql`), or into a few
  set-based statements for every week, month and quarter of a snapshot refresh; both come from
  these same declarations, so a measure is written once.
- **KPIs** turn measures (and KPIs defined earlier in `KPIS`) into the answer with the pure
  functions of `compute.py`, and carry the unit that decides output rounding.

Adding a KPI is one `Kpi(...)` entry in `KPIS` (plus a `Measure` if it needs a new aggregate).

SQL parameters available to a measure's `where` and `value`: `tz` (workspace time zone),
`currency` (the workspace's), `sla`
(interval), `window_days` (integer or null) and `sales_sources` (text[]). The period enters only
through `at` (`start`, `end` as timestamptz; `start_day`, `end_day` as local dates for the
`DATE_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import compute
from .compute import Unit


class Fact(StrEnum):
    """A funnel table as the compiler reads it (alias in brackets).

    lead (l); deal (d) LEFT JOIN its lead (l); spend (s); traffic (t);
    activity (a) LEFT JOIN its lead (l); content (c) LEFT JOIN its lead (l).
    """

    LEAD = "lead"
    DEAL = "deal"
    SPEND = "spend"
    TRAFFIC = "traffic"
    ACTIVITY = "activity"
    CONTENT = "content"


# SPEC section 5: KPIs by source and by owner; the group of rows that have none.
BREAKDOWNS = ("source", "owner")
UNATTRIBUTED = "unattributed"
UNASSIGNED = "unassigned"


class MeasureKind(StrEnum):
    COUNT = "count"  # integer; 0 when no row
    SUM = "sum"  # exact decimal; 0 when no row
    MEDIAN_MICROSECONDS = "median_microseconds"  # seconds after conversion; None when no row


class Scope(StrEnum):
    """Which rows of a fact a measure of period P reads."""

    # Rows whose `at` falls in P: each row belongs to the periods around its dates only.
    IN_PERIOD = "in_period"
    # Every row whose `at` is before P's end, over all history (lifetime value, open deals).
    BEFORE_END = "before_end"


# Columns of type date (compared with P's local dates); every other `at` is a timestamp.
DATE_COLUMNS = frozenset({"s.month", "t.date", "c.date"})


@dataclass(frozen=True)
class Measure:
    """One aggregate over the rows of a fact, declared by its parts so that the same definition
    gives both the statement of one period (`sql`) and the statement of many periods at once
    (`sql.py`'s `kpi_measures_fetch_periods`, which buckets each row into its periods once).

    - `at`: the column that places a row in time: with `Scope.IN_PERIOD` a row counts in P
      when `at` falls in P; with `Scope.BEFORE_END` when `at` is before P's end (and, with
      `until`, P's end is not after `until`: the row stops counting then; NULL means never).
    - `where`: a condition on the row alone. It never mentions the period: the period's
      parameters (`start`, `end`, …) appear only through `at`.
    - `value`: what is summed (SUM) or whose median is taken (MEDIAN); for COUNT, an
      expression counted where it is not NULL (empty: rows are counted).
    - `distinct`: COUNT only: count distinct values of this expression instead of rows.
    """

    name: str
    fact: Fact
    kind: MeasureKind
    at: str
    where: str = ""
    value: str = ""
    scope: Scope = Scope.IN_PERIOD
    until: str = ""
    distinct: str = ""

    def __post_init__(self) -> None:
        for part in (self.where, self.value, self.until, self.distinct):
            if "%(start" in part or "%(end" in part:
                raise ValueError(f"{self.name}: only `at` may depend on the period")
        if self.until and self.scope is not Scope.BEFORE_END:
            raise ValueError(f"{self.name}: `until` needs Scope.BEFORE_END")
        if self.distinct and (self.kind is not MeasureKind.COUNT or self.until or self.value):
            raise ValueError(f"{self.name}: `distinct` is for a COUNT of rows without `until`")
        if self.kind is MeasureKind.MEDIAN_MICROSECONDS and self.scope is Scope.BEFORE_END:
            raise ValueError(f"{self.name}: a median over all history is not supported")
        if self.kind is not MeasureKind.COUNT and not self.value:
            raise ValueError(f"{self.name}: {self.kind} needs a `value`")

    @property
    def period_condition(self) -> str:
        """The rows of period P this measure reads, in the parameters of one period."""
        if self.scope is Scope.IN_PERIOD:
            return in_period_days(self.at) if self.at in DATE_COLUMNS else in_period(self.at)
        condition = f"{self.at} < %(end)s"
        if self.until:
            condition += f" AND ({self.until} IS NULL OR {self.until} >= %(end)s)"
        return condition

    @property
    def sql(self) -> str:
        """The aggregate of one period P (the reference the many-periods statement must match)."""
        condition = self.period_condition + (f" AND {self.where}" if self.where else "")
        return aggregate_sql(self, condition)

    @property
    def additive(self) -> bool:
        """Whether the measure of a union of row sets is the sum of its parts (counts and
        sums of rows): days can then be aggregated first and summed into periods."""
        return self.kind in (MeasureKind.COUNT, MeasureKind.SUM) and not self.distinct


def aggregate_sql(measure: Measure, condition: str = "") -> str:
    """`measure`'s aggregate over the rows where `condition` holds (every row when empty)."""
    only = f" FILTER (WHERE {condition})" if condition else ""
    if measure.kind is MeasureKind.COUNT:
        counted = f"DISTINCT {measure.distinct}" if measure.distinct else measure.value or "*"
        return f"count({counted}){only}"
    if measure.kind is MeasureKind.SUM:
        return f"coalesce(sum({measure.value}){only}, 0)"
    # Integer microseconds are exact in float8, so percentile_cont's mean of the two middle
    # values of an even count is exact too.
    return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {measure.value}){only}"


def in_period(column: str) -> str:
    """in(x, P) for a timestamp column: P's start included, its end excluded."""
    return f"({column} >= %(start)s AND {column} < %(end)s)"


def in_period_days(column: str) -> str:
    """in(x, P) for a date column, compared with P's local dates."""
    return f"({column} >= %(start_day)s AND {column} < %(end_day)s)"


def _within_window(from_column: str, to_column: str) -> str:
    # The workspace's optional conversion window: elapsed days from the from-stage.
    return (
        f"(%(window_days)s::integer IS NULL OR "
        f"{to_column} <= {from_column} + make_interval(days => %(window_days)s::integer))"
    )


def _elapsed_microseconds(from_column: str, to_column: str) -> str:
    # An exact integer: through bigint, not numeric → float8 (a text round trip, 3× slower).
    return f"(extract(epoch from ({to_column} - {from_column})) * 1000000)::bigint::float8"


# Funnel stage → lead column, in funnel order (mirrors funnel.models.STAGE_DATE_FIELDS).
STAGE_COLUMNS = {
    "lead": "l.created_at",
    "mql": "l.mql_at",
    "sql": "l.sql_at",
    "opportunity": "l.opportunity_at",
    "customer": "l.customer_at",
}

# Cohort rates: leads that entered the from-stage in P and reached the to-stage at any time.
COHORTS = {
    "lead_to_mql_rate": ("l.created_at", "l.mql_at"),
    "mql_to_sql_rate": ("l.mql_at", "l.sql_at"),
    "sql_to_opportunity_rate": ("l.sql_at", "l.opportunity_at"),
    "opportunity_to_customer_rate": ("l.opportunity_at", "l.customer_at"),
    "lead_to_customer_rate": ("l.created_at", "l.customer_at"),
    "mql_rejection_rate": ("l.mql_at", "l.rejected_at"),
}

# stage_days_median: transition → (from, to); over leads whose to-stage date is in P.
TRANSITIONS = {
    "lead_to_mql": ("l.created_at", "l.mql_at"),
    "mql_to_sql": ("l.mql_at", "l.sql_at"),
    "sql_to_opportunity": ("l.sql_at", "l.opportunity_at"),
    "opportunity_to_customer": ("l.opportunity_at", "l.customer_at"),
}

_WON = "d.status = 'won'"
_CLOSED_AMOUNT = "d.amount_closed"
_CREATED_AMOUNT = "d.amount_created"
_LOST = "d.status = 'lost'"
_TOUCHED = "l.first_touch_at IS NOT NULL"
# An MQL is dispositioned when sales accepted it (sql_at) or rejected it (rejected_at); the
# earlier of the two counts (PostgreSQL's least() skips a NULL).
DISPOSITION_HOURS = 48

MEASURES: tuple[Measure, ...] = (
    # --- leads -----------------------------------------------------------------------------
    Measure("leads", Fact.LEAD, MeasureKind.COUNT, at="l.created_at"),
    Measure("mqls", Fact.LEAD, MeasureKind.COUNT, at="l.mql_at"),
    Measure("sqls", Fact.LEAD, MeasureKind.COUNT, at="l.sql_at"),
    Measure("opportunities", Fact.LEAD, MeasureKind.COUNT, at="l.opportunity_at"),
    Measure("new_customers", Fact.LEAD, MeasureKind.COUNT, at="l.customer_at"),
    *(
        Measure(
            f"converted_{key}",
            Fact.LEAD,
            MeasureKind.COUNT,
            at=from_column,
            where=f"{to_column} IS NOT NULL AND {_within_window(from_column, to_column)}",
        )
        for key, (from_column, to_column) in COHORTS.items()
    ),
    Measure(
        "sales_cycle_seconds_sum",
        Fact.LEAD,
        MeasureKind.SUM,
        at="l.customer_at",
        value="extract(epoch from (l.customer_at - l.created_at))",
    ),
    Measure(
        "sales_cycle_seconds_median",
        Fact.LEAD,
        MeasureKind.MEDIAN_MICROSECONDS,
        at="l.customer_at",
        value=_elapsed_microseconds("l.created_at", "l.customer_at"),
    ),
    *(
        Measure(
            f"stage_seconds_median_{name}",
            Fact.LEAD,
            MeasureKind.MEDIAN_MICROSECONDS,
            at=to_column,
            where=f"{from_column} IS NOT NULL",
            value=_elapsed_microseconds(from_column, to_column),
        )
        for name, (from_column, to_column) in TRANSITIONS.items()
    ),
    Measure(
        "mql_response_seconds_median",
        Fact.LEAD,
        MeasureKind.MEDIAN_MICROSECONDS,
        at="l.mql_at",
        where=_TOUCHED,
        value=_elapsed_microseconds("l.mql_at", "l.first_touch_at"),
    ),
    Measure(
        "mqls_touched_within_sla",
        Fact.LEAD,
        MeasureKind.COUNT,
        at="l.mql_at",
        where=f"{_TOUCHED} AND l.first_touch_at - l.mql_at <= %(sla)s",
    ),
    Measure(
        "mqls_dispositioned_within_48h",
        Fact.LEAD,
        MeasureKind.COUNT,
        at="l.mql_at",
        where=f"least(l.sql_at, l.rejected_at) - l.mql_at <= interval '{DISPOSITION_HOURS} hours'",
    ),
    Measure(
        "customers_with_content",
        Fact.LEAD,
        MeasureKind.COUNT,
        at="l.customer_at",
        # Counted where not NULL: the EXISTS probe runs only for customers of P (FILTER comes
        # first); dates compare in the workspace time zone (content rows are plain dates).
        value="CASE WHEN EXISTS (SELECT 1 FROM {content_table} c WHERE c.lead_id = l.lead_id"
        " AND c.date <= (l.customer_at AT TIME ZONE %(tz)s)::date) THEN 1 END",
    ),
    # --- deals -----------------------------------------------------------------------------
    # Money is read in the workspace's currency (SPEC 3.1): `amount_closed` at the rate of
    # closed_at's month, `amount_created` at created_at's; NULL (left out) without a rate.
    Measure(
        "revenue", Fact.DEAL, MeasureKind.SUM, at="d.closed_at", where=_WON, value=_CLOSED_AMOUNT
    ),
    # Won deals whose amount could be converted: average_deal_size divides by them.
    Measure(
        "won_deals_converted",
        Fact.DEAL,
        MeasureKind.COUNT,
        at="d.closed_at",
        where=_WON,
        value=_CLOSED_AMOUNT,
    ),
    Measure(
        "marketing_sourced_revenue",
        Fact.DEAL,
        MeasureKind.SUM,
        at="d.closed_at",
        where=f"{_WON} AND l.lead_id IS NOT NULL AND NOT (l.source = ANY(%(sales_sources)s))",
        value=_CLOSED_AMOUNT,
    ),
    Measure("won_deals", Fact.DEAL, MeasureKind.COUNT, at="d.closed_at", where=_WON),
    Measure("lost_deals", Fact.DEAL, MeasureKind.COUNT, at="d.closed_at", where=_LOST),
    Measure(
        "pipeline_created", Fact.DEAL, MeasureKind.SUM, at="d.created_at", value=_CREATED_AMOUNT
    ),
    Measure(
        "lifetime_revenue",
        Fact.DEAL,
        MeasureKind.SUM,
        at="d.closed_at",
        where=f"{_WON} AND l.lead_id IS NOT NULL",
        value=_CLOSED_AMOUNT,
        scope=Scope.BEFORE_END,
    ),
    Measure(
        "lifetime_customers",
        Fact.DEAL,
        MeasureKind.COUNT,
        at="d.closed_at",
        where=f"{_WON} AND l.lead_id IS NOT NULL AND {_CLOSED_AMOUNT} IS NOT NULL",
        distinct="l.lead_id",
        scope=Scope.BEFORE_END,
    ),
    Measure(
        "open_deals_at_end",
        Fact.DEAL,
        MeasureKind.COUNT,
        # Open at P's end: created before it and not closed before it, whatever its status
        # today; an open deal's closed_at is only an expected date, so it never closes it.
        at="d.created_at",
        until="CASE WHEN d.status <> 'open' THEN d.closed_at END",
        # A deal whose currency has no rate for its creation month is left out of velocity.
        where=f"{_CREATED_AMOUNT} IS NOT NULL",
        scope=Scope.BEFORE_END,
    ),
    # --- spend, traffic, activities, content -------------------------------------------------
    # A spend month counts when its first day is in P.
    Measure("spend", Fact.SPEND, MeasureKind.SUM, at="s.month", value="s.amount"),
    # SPEC "No data is not zero": spend and sessions are null where no row of theirs counts.
    Measure("spend_rows", Fact.SPEND, MeasureKind.COUNT, at="s.month"),
    Measure("sessions", Fact.TRAFFIC, MeasureKind.SUM, at="t.date", value="t.sessions"),
    Measure("traffic_rows", Fact.TRAFFIC, MeasureKind.COUNT, at="t.date"),
    Measure("calls", Fact.ACTIVITY, MeasureKind.COUNT, at="a.date", where="a.type = 'call'"),
    Measure("meetings", Fact.ACTIVITY, MeasureKind.COUNT, at="a.date", where="a.type = 'meeting'"),
    Measure("content_downloads", Fact.CONTENT, MeasureKind.COUNT, at="c.date"),
)

MEASURES_BY_NAME = {measure.name: measure for measure in MEASURES}

# Facts about the whole workspace that some KPIs depend on, whatever the period or group: name →
# a boolean SQL expression (tables by placeholder, as in measures). Both compilers evaluate them
# once per computation and every group of every period sees the same value.
WORKSPACE_MEASURES = {
    # SPEC: customers_with_content_rate is null when the workspace has no content rows at all.
    "content_rows_exist": "EXISTS (SELECT 1 FROM {content_table})",
}


def fact_period_filter(fact: Fact) -> str | None:
    """The rows of `fact` that any of its measures reads in one period: those with an `at` in
    P. None when a measure reads all history (every row is then read)."""
    measures = [measure for measure in MEASURES if measure.fact is fact]
    if any(measure.scope is not Scope.IN_PERIOD for measure in measures):
        return None
    conditions = dict.fromkeys(measure.period_condition for measure in measures)
    return " OR ".join(conditions)


Values = Mapping[str, Any]


@dataclass(frozen=True)
class Kpi:
    """One KPI key of SPEC section 5: its unit and how it follows from measures (`m`) and the
    KPIs listed before it (`k`), both unrounded."""

    key: str
    label: str
    unit: Unit
    formula: Callable[[Values, Values], Any]
    # One sentence a person reads beside the label (pages show it on hover and tap).
    definition: str = ""


def _measure(name: str) -> Callable[[Values, Values], Any]:
    return lambda m, k: m[name]


def _measure_ratio(numerator: str, denominator: str) -> Callable[[Values, Values], Any]:
    return lambda m, k: compute.ratio(m[numerator], m[denominator])


def _when_rows(value: str, rows: str) -> Callable[[Values, Values], Any]:
    """A sum that is null, not 0, when no row of its fact counts (SPEC "No data is not zero")."""
    return lambda m, k: m[value] if m[rows] else None


def _kpi_ratio(numerator: str, denominator: str) -> Callable[[Values, Values], Any]:
    """A ratio of a KPI listed earlier (which may be null for want of data) over a measure."""
    return lambda m, k: compute.ratio(k[numerator], m[denominator])


def _measure_over_kpi(numerator: str, denominator: str) -> Callable[[Values, Values], Any]:
    return lambda m, k: compute.ratio(m[numerator], k[denominator])


def _customers_with_content_rate(m: Values, k: Values) -> Any:
    if not m["content_rows_exist"]:
        return None
    return compute.ratio(m["customers_with_content"], m["new_customers"])


def _win_rate(m: Values, k: Values) -> Any:
    won, lost = m["won_deals"], m["lost_deals"]
    if won is None or lost is None:
        return None
    return compute.ratio(won, won + lost)


def _stage_days_median(m: Values, k: Values) -> dict[str, Any]:
    return {name: compute.days(m[f"stage_seconds_median_{name}"]) for name in TRANSITIONS}


KPIS: tuple[Kpi, ...] = (
    Kpi("leads", "Leads", Unit.COUNT, _measure("leads"), definition="Leads created in the period."),
    Kpi(
        "mqls",
        "MQLs",
        Unit.COUNT,
        _measure("mqls"),
        definition="Leads that became marketing qualified (MQL) in the period.",
    ),
    Kpi(
        "sqls",
        "SQLs",
        Unit.COUNT,
        _measure("sqls"),
        definition="Leads that sales accepted as sales qualified (SQL) in the period.",
    ),
    Kpi(
        "opportunities",
        "Opportunities",
        Unit.COUNT,
        _measure("opportunities"),
        definition="Leads that became an opportunity in the period.",
    ),
    Kpi(
        "new_customers",
        "New customers",
        Unit.COUNT,
        _measure("new_customers"),
        definition="Leads that became customers in the period.",
    ),
    Kpi(
        "lead_to_mql_rate",
        "Lead → MQL",
        Unit.RATE,
        _measure_ratio("converted_lead_to_mql_rate", "leads"),
        definition="Of the leads created in the period, the share that became MQLs since.",
    ),
    Kpi(
        "mql_to_sql_rate",
        "MQL → SQL",
        Unit.RATE,
        _measure_ratio("converted_mql_to_sql_rate", "mqls"),
        definition="Of the leads that became MQLs in the period, the share sales accepted as SQLs.",
    ),
    Kpi(
        "sql_to_opportunity_rate",
        "SQL → opportunity",
        Unit.RATE,
        _measure_ratio("converted_sql_to_opportunity_rate", "sqls"),
        definition="Of the period’s new SQLs, the share that became opportunities.",
    ),
    Kpi(
        "opportunity_to_customer_rate",
        "Opportunity → customer",
        Unit.RATE,
        _measure_ratio("converted_opportunity_to_customer_rate", "opportunities"),
        definition="Of the period’s new opportunities, the share that became customers.",
    ),
    Kpi(
        "lead_to_customer_rate",
        "Lead → customer",
        Unit.RATE,
        _measure_ratio("converted_lead_to_customer_rate", "leads"),
        definition="Of the leads created in the period, the share that became customers.",
    ),
    Kpi(
        "mql_rejection_rate",
        "MQL rejection rate",
        Unit.RATE,
        _measure_ratio("converted_mql_rejection_rate", "mqls"),
        definition="Of the period’s new MQLs, the share sales sent back as unqualified.",
    ),
    Kpi(
        "revenue",
        "Revenue",
        Unit.MONEY,
        _measure("revenue"),
        definition="Sum of the deals won and closed in the period.",
    ),
    Kpi(
        "marketing_sourced_revenue",
        "Marketing-sourced revenue",
        Unit.MONEY,
        _measure("marketing_sourced_revenue"),
        definition="The part of revenue whose deal comes from a lead of a marketing-owned channel.",
    ),
    Kpi(
        "won_deals",
        "Won deals",
        Unit.COUNT,
        _measure("won_deals"),
        definition="Deals won and closed in the period.",
    ),
    Kpi(
        "lost_deals",
        "Lost deals",
        Unit.COUNT,
        _measure("lost_deals"),
        definition="Deals lost and closed in the period.",
    ),
    Kpi(
        "win_rate",
        "Win rate",
        Unit.RATE,
        _win_rate,
        definition="Won deals divided by won and lost deals closed in the period.",
    ),
    Kpi(
        "average_deal_size",
        "Average deal size",
        Unit.MONEY,
        _measure_ratio("revenue", "won_deals_converted"),
        definition="Revenue divided by the number of won deals (with an exchange rate).",
    ),
    Kpi(
        "pipeline_created",
        "Pipeline created",
        Unit.MONEY,
        _measure("pipeline_created"),
        definition="Sum of the deals created in the period, whatever their status.",
    ),
    Kpi(
        "customer_lifetime_value",
        "Customer lifetime value",
        Unit.MONEY,
        _measure_ratio("lifetime_revenue", "lifetime_customers"),
        definition="Revenue won from leads up to the period’s end, per customer.",
    ),
    Kpi(
        "sales_cycle_days_mean",
        "Sales cycle (mean days)",
        Unit.DAYS,
        lambda m, k: compute.days(compute.ratio(m["sales_cycle_seconds_sum"], m["new_customers"])),
        definition="Mean days from lead to customer, over the period’s new customers.",
    ),
    Kpi(
        "sales_cycle_days_median",
        "Sales cycle (median days)",
        Unit.DAYS,
        lambda m, k: compute.days(m["sales_cycle_seconds_median"]),
        definition="Median days from lead to customer, over the period’s new customers.",
    ),
    Kpi(
        "stage_days_median",
        "Days per stage (median)",
        Unit.DAYS_BY_STAGE,
        _stage_days_median,
        definition="Median days of each funnel step, over leads that finished it in the period.",
    ),
    Kpi(
        "mql_response_hours_median",
        "MQL response (median hours)",
        Unit.HOURS,
        lambda m, k: compute.hours(m["mql_response_seconds_median"]),
        definition="Median hours from MQL hand-off to the first sales follow-up.",
    ),
    Kpi(
        "mql_response_within_sla_rate",
        "MQLs touched within SLA",
        Unit.RATE,
        _measure_ratio("mqls_touched_within_sla", "mqls"),
        definition="Share of the period’s MQLs followed up by sales within the response SLA.",
    ),
    Kpi(
        "mql_disposition_within_48h_rate",
        "MQLs dispositioned within 48 h",
        Unit.RATE,
        _measure_ratio("mqls_dispositioned_within_48h", "mqls"),
        definition="Share of the period’s MQLs that sales accepted or rejected within 48 hours.",
    ),
    Kpi(
        "sessions",
        "Sessions",
        Unit.COUNT,
        _when_rows("sessions", "traffic_rows"),
        definition="Website sessions in the period.",
    ),
    Kpi(
        "traffic_to_lead_rate",
        "Traffic → lead",
        Unit.RATE,
        _measure_over_kpi("leads", "sessions"),
        definition="Leads divided by sessions.",
    ),
    Kpi(
        "traffic_to_mql_rate",
        "Traffic → MQL",
        Unit.RATE,
        _measure_over_kpi("mqls", "sessions"),
        definition="MQLs divided by sessions.",
    ),
    Kpi(
        "end_to_end_rate",
        "Traffic → customer",
        Unit.RATE,
        _measure_over_kpi("new_customers", "sessions"),
        definition="New customers divided by sessions.",
    ),
    Kpi(
        "spend",
        "Spend",
        Unit.MONEY,
        _when_rows("spend", "spend_rows"),
        definition="Marketing spend of the months in the period.",
    ),
    Kpi(
        "cost_per_lead",
        "Cost per lead",
        Unit.MONEY,
        _kpi_ratio("spend", "leads"),
        definition="Spend divided by leads.",
    ),
    Kpi(
        "cost_per_mql",
        "Cost per MQL",
        Unit.MONEY,
        _kpi_ratio("spend", "mqls"),
        definition="Spend divided by MQLs.",
    ),
    Kpi(
        "customer_acquisition_cost",
        "Customer acquisition cost",
        Unit.MONEY,
        _kpi_ratio("spend", "new_customers"),
        definition="Spend divided by new customers.",
    ),
    Kpi(
        "calls",
        "Calls",
        Unit.COUNT,
        _measure("calls"),
        definition="Sales calls logged in the period.",
    ),
    Kpi(
        "meetings",
        "Meetings",
        Unit.COUNT,
        _measure("meetings"),
        definition="Sales meetings logged in the period.",
    ),
    Kpi(
        "content_downloads",
        "Content downloads",
        Unit.COUNT,
        _measure("content_downloads"),
        definition="Content assets downloaded by leads in the period.",
    ),
    Kpi(
        "customers_with_content_rate",
        "Customers who read content",
        Unit.RATE,
        _customers_with_content_rate,
        definition="Share of the period’s new customers who read content before buying.",
    ),
    Kpi(
        "pipeline_velocity",
        "Pipeline velocity (per day)",
        Unit.MONEY,
        lambda m, k: compute.pipeline_velocity(
            m["open_deals_at_end"],
            k["win_rate"],
            k["average_deal_size"],
            k["sales_cycle_days_mean"],
        ),
        definition="Open deals × win rate × deal size ÷ sales cycle: revenue per day.",
    ),
)

KPIS_BY_KEY = {kpi.key: kpi for kpi in KPIS}
KPI_KEYS = tuple(KPIS_BY_KEY)
# Every single value a snapshot holds: `stage_days_median` counts once per transition.
SCALAR_KPI_KEYS = tuple(
    key
    for kpi in KPIS
    for key in (
        [f"{kpi.key}.{name}" for name in TRANSITIONS]
        if kpi.unit is Unit.DAYS_BY_STAGE
        else [kpi.key]
    )
)
# Fractions of [0, 1] (or beyond, for traffic ratios): anomalies and stability apply to them.
RATE_KEYS = tuple(kpi.key for kpi in KPIS if kpi.unit is Unit.RATE)
# KPIs where a fall is good news (pages colour changes by it); every other KPI is better higher.
LOWER_IS_BETTER = frozenset(
    {
        "mql_rejection_rate",
        "lost_deals",
        "sales_cycle_days_mean",
        "sales_cycle_days_median",
        "stage_days_median",
        "mql_response_hours_median",
        "cost_per_lead",
        "cost_per_mql",
        "customer_acquisition_cost",
    }
)
# KPIs whose rise or fall is neither good nor bad news by itself (more spend can buy more
# leads): their changes carry no verdict.
NO_VERDICT = frozenset({"spend"})


# KPIs that add up over a period (counts, and sums of money): a period in progress holds the part
# that has happened so far, so a forecast projects them by the elapsed share of the period.
# Ratios stay as they stand, money ratios included (average deal size, cost per lead, …).
ACCUMULATING_KEYS = frozenset(
    {
        "leads",
        "mqls",
        "sqls",
        "opportunities",
        "new_customers",
        "revenue",
        "marketing_sourced_revenue",
        "won_deals",
        "lost_deals",
        "pipeline_created",
        "sessions",
        "spend",
        "calls",
        "meetings",
        "content_downloads",
    }
)


def kpis_compute(measures: Values) -> dict[str, Any]:
    """Every KPI, unrounded, from one group's measures (missing measures count as None)."""
    values: dict[str, Any] = {}
    lookup = _Defaulting(measures)
    for kpi in KPIS:
        values[kpi.key] = kpi.formula(lookup, values)
    return values


def kpis_output(values: Values) -> dict[str, Any]:
    """The JSON values of SPEC section 6: rounded here, and only here."""
    return {kpi.key: compute.output_value(values[kpi.key], kpi.unit) for kpi in KPIS}


class _Defaulting(dict):
    """Measures of a fact that has no figure for this group (e.g. spend by owner) are None."""

    def __init__(self, measures: Values):
        super().__init__(measures)

    def __missing__(self, key: str) -> Any:
        if key not in MEASURES_BY_NAME and key not in WORKSPACE_MEASURES:
            raise KeyError(key)
        return None
