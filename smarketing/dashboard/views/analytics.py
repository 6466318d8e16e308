"""The Funnel, Sources, Marketing and Sales pages: one period (and source) from its snapshot,
its previous period, and series of snapshots for the charts."""

from __future__ import annotations

from typing import Any

from smarketing.kpis.definitions import KPIS_BY_KEY, TRANSITIONS
from smarketing.kpis.selectors.snapshots import kpi_value
from smarketing.slas.rules import target_met

from ..charts import Chart, breakdown_chart, kpi_series_chart
from ..filters import PageFilter
from ..maturity import maturing_keys
from ..selectors.survey_figures import nps_by_source
from .base import DashboardPage, kpi_names, register_page, series_values

STAGE_KEYS = ("leads", "mqls", "sqls", "opportunities", "new_customers")
COHORT_KEYS = (
    "lead_to_mql_rate",
    "mql_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_customer_rate",
    "lead_to_customer_rate",
    "mql_rejection_rate",
)
# Cohort rate → (from-stage count, to-stage count) for the period view of the same step.
PERIOD_RATIOS = {
    "lead_to_mql_rate": ("leads", "mqls"),
    "mql_to_sql_rate": ("mqls", "sqls"),
    "sql_to_opportunity_rate": ("sqls", "opportunities"),
    "opportunity_to_customer_rate": ("opportunities", "new_customers"),
    "lead_to_customer_rate": ("leads", "new_customers"),
}
STAGE_DAYS_KEYS = tuple(f"stage_days_median.{name}" for name in TRANSITIONS)
SOURCE_COLUMNS = (
    "leads",
    "mqls",
    "new_customers",
    "lead_to_customer_rate",
    "revenue",
    "spend",
    "cost_per_lead",
    "customer_acquisition_cost",
)
MARKETING_KEYS = (
    "sessions",
    "leads",
    "mqls",
    "traffic_to_lead_rate",
    "traffic_to_mql_rate",
    "spend",
    "cost_per_lead",
    "cost_per_mql",
    "content_downloads",
    "customers_with_content_rate",
)
SALES_KEYS = (
    "calls",
    "meetings",
    "sqls",
    "sql_to_opportunity_rate",
    "won_deals",
    "lost_deals",
    "win_rate",
    "average_deal_size",
    "pipeline_created",
    "pipeline_velocity",
    "mql_response_hours_median",
    "mql_response_within_sla_rate",
    "sales_cycle_days_median",
)


def _rows(keys, context, maturing: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    values, previous, targets = context["values"], context["previous_values"], context["targets"]
    rows = []
    for key in keys:
        value, target = kpi_value(values, key), targets.get(key)
        rows.append(
            {
                "key": key,
                "value": value,
                "previous": kpi_value(previous, key),
                "spend": kpi_value(values, "spend"),
                "previous_spend": kpi_value(previous, "spend"),
                "target": target,
                "met": target_met(value, target.comparator, target.target) if target else None,
                "maturing": key in maturing,
            }
        )
    return rows


def _ratio(values: dict | None, step: tuple[str, str]) -> float | None:
    """The period view of a step: the to-stage's count ÷ the from-stage's count in P."""
    bottom, top = (kpi_value(values, key) for key in step)
    if top is None or not bottom:
        return None
    return round(top / bottom, 6)


def _series_chart(slug, title, keys, context, unit) -> Chart:
    series = context["series"]
    return kpi_series_chart(
        slug=slug,
        title=title,
        labels=[period.label for period, _ in series],
        values_by_key={key: series_values(series, key) for key in keys},
        names=kpi_names(keys),
        unit=unit,
        currency=context["currency"],
    )


def _maturing_since(keys, context) -> str:
    """` (maturing from 2026-09)`: the first period of the chart's series in which one of the
    cohort rates is still maturing, so the line's late fall does not read as a collapse."""
    for period, _ in context["series"]:
        if maturing_keys(
            keys, period_end=period.end, now=context["now"], medians=context["medians"]
        ):
            return f" (maturing from {period.label})"
    return ""


def _reason_chart(slug, title, counts: dict[str, int], heading: str, label: str) -> Chart:
    return breakdown_chart(
        slug=slug,
        title=title,
        rows=[(name, [n]) for name, n in counts.items()],
        series_labels=[label],
        unit="count",
        label_heading=heading,
    )


@register_page
class FunnelView(DashboardPage):
    template_name = "dashboard/funnel.html"
    page = "funnel"
    title = "Funnel"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        values, previous = context["values"], context["previous_values"]
        maturing = maturing_keys(
            COHORT_KEYS,
            period_end=page_filter.period.end,
            now=context["now"],
            medians=context["medians"],
        )
        conversions = [
            {
                **row,
                "period_ratio": _ratio(values, PERIOD_RATIOS[row["key"]])
                if row["key"] in PERIOD_RATIOS
                else None,
                "previous_period_ratio": _ratio(previous, PERIOD_RATIOS[row["key"]])
                if row["key"] in PERIOD_RATIOS
                else None,
            }
            for row in _rows(COHORT_KEYS, context, maturing)
        ]
        by_source = (context["figures"] or {}).get("by_source", {})
        return {
            "stages": _rows(STAGE_KEYS, context),
            "conversions": conversions,
            "stage_days": _rows(STAGE_DAYS_KEYS, context),
            "source_rows": [
                {"source": source, "values": [kpi_value(by_source[source], k) for k in STAGE_KEYS]}
                for source in context["sources"]
            ],
            "stage_keys": STAGE_KEYS,
            "charts": [
                breakdown_chart(
                    slug="stages",
                    title="Leads reaching each stage",
                    rows=[
                        (KPIS_BY_KEY[key].label, [kpi_value(values, key), kpi_value(previous, key)])
                        for key in STAGE_KEYS
                    ],
                    series_labels=[page_filter.period.label, page_filter.period.previous().label],
                    unit="count",
                    label_heading="stage",
                ),
                _series_chart(
                    "volumes", "Stage volumes over time", STAGE_KEYS[:3], context, "count"
                ),
                _series_chart(
                    "conversion",
                    "Cohort conversion over time" + _maturing_since(COHORT_KEYS[:4], context),
                    COHORT_KEYS[:4],
                    context,
                    "rate",
                ),
                _series_chart(
                    "stage-days", "Median days per stage", STAGE_DAYS_KEYS, context, "days"
                ),
            ],
        }


@register_page
class SourcesView(DashboardPage):
    template_name = "dashboard/sources.html"
    page = "sources"
    title = "Sources"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        by_source = (context["figures"] or {}).get("by_source", {})
        source = page_filter.source
        sources = [source] if source and source in by_source else context["sources"]
        nps = nps_by_source(page_filter.period)
        rows: list[dict[str, Any]] = [
            {
                "source": source,
                "values": [kpi_value(by_source[source], key) for key in SOURCE_COLUMNS],
                "spend": kpi_value(by_source[source], "spend"),
                "nps": nps.get(source),
            }
            for source in sources
        ]
        ranked = sorted(rows, key=lambda row: -(row["values"][4] or 0))
        maturing = maturing_keys(
            SOURCE_COLUMNS,
            period_end=page_filter.period.end,
            now=context["now"],
            medians=context["medians"],
        )
        return {
            "columns": SOURCE_COLUMNS,
            "rows": rows,
            "maturing": maturing,
            "charts": [
                breakdown_chart(
                    slug="revenue",
                    title="Revenue by source",
                    rows=[(row["source"], [row["values"][4]]) for row in ranked],
                    series_labels=["Revenue"],
                    unit="money",
                    label_heading="source",
                    currency=context["currency"],
                ),
                breakdown_chart(
                    slug="acquisition-cost",
                    title="Cost per lead and customer acquisition cost by source",
                    rows=[
                        (row["source"], [row["values"][6], row["values"][7]])
                        for row in ranked
                        if row["values"][5] is not None
                    ],
                    series_labels=["Cost per lead", "Customer acquisition cost"],
                    unit="money",
                    label_heading="source",
                    currency=context["currency"],
                ),
                breakdown_chart(
                    slug="conversion",
                    title="Lead → customer by source"
                    + (" (maturing cohort)" if "lead_to_customer_rate" in maturing else ""),
                    rows=[(row["source"], [row["values"][3]]) for row in ranked],
                    series_labels=["Lead → customer"],
                    unit="rate",
                    label_heading="source",
                ),
            ],
        }


@register_page
class MarketingView(DashboardPage):
    template_name = "dashboard/team.html"
    page = "marketing"
    title = "Marketing"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        details = (context["figures"] or {}).get("details", {})
        return {
            "rows": _rows(MARKETING_KEYS, context),
            "charts": [
                _series_chart("traffic", "Sessions over time", ("sessions",), context, "count"),
                _series_chart(
                    "traffic-conversion",
                    "Traffic → lead and → MQL over time",
                    ("traffic_to_lead_rate", "traffic_to_mql_rate"),
                    context,
                    "rate",
                ),
                _series_chart(
                    "cost",
                    "Cost per lead and per MQL",
                    ("cost_per_lead", "cost_per_mql"),
                    context,
                    "money",
                ),
                _reason_chart(
                    "content-assets",
                    "Content downloads by asset",
                    details.get("content_by_asset", {}),
                    "asset",
                    "Downloads",
                ),
                _reason_chart(
                    "content-personas",
                    "Content downloads by persona",
                    details.get("content_by_persona", {}),
                    "persona",
                    "Downloads",
                ),
            ],
            "details_all_sources": bool(page_filter.source),
        }


@register_page
class SalesView(DashboardPage):
    template_name = "dashboard/team.html"
    page = "sales"
    title = "Sales"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        details = (context["figures"] or {}).get("details", {})
        maturing = maturing_keys(
            SALES_KEYS,
            period_end=page_filter.period.end,
            now=context["now"],
            medians=context["medians"],
        )
        return {
            "rows": _rows(SALES_KEYS, context, maturing),
            "charts": [
                _series_chart(
                    "activity", "Calls and meetings", ("calls", "meetings"), context, "count"
                ),
                _series_chart("win-rate", "Win rate over time", ("win_rate",), context, "rate"),
                _series_chart(
                    "velocity",
                    "Pipeline velocity (per day)",
                    ("pipeline_velocity",),
                    context,
                    "money",
                ),
                _series_chart(
                    "response",
                    "MQL response time (median hours)",
                    ("mql_response_hours_median",),
                    context,
                    "hours",
                ),
                _reason_chart(
                    "loss-reasons",
                    "Lost deals by reason",
                    details.get("lost_reasons", {}),
                    "reason",
                    "Lost deals",
                ),
                _reason_chart(
                    "rejection-reasons",
                    "Rejected MQLs by reason",
                    details.get("rejection_reasons", {}),
                    "reason",
                    "Rejected MQLs",
                ),
            ],
            "details_all_sources": bool(page_filter.source),
        }
