"""The KPIs page (every KPI of a period, compared, and by source) and the goal planner."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Grain, PeriodError, period_containing
from smarketing.kpis.definitions import KPIS_BY_KEY, SCALAR_KPI_KEYS
from smarketing.kpis.planner import STEPS
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.planner import funnel_plan_get
from smarketing.kpis.selectors.reports import kpi_figures_read
from smarketing.kpis.selectors.snapshots import kpi_month_default, kpi_value
from smarketing.slas.rules import target_met

from ..filters import PageFilter, same_period_last_year
from ..forms import PlannerForm
from ..maturity import maturing_keys
from .base import DashboardPage, register_page, scoped

# Every KPI of the registry in a group a person looks for; a KPI added later and not listed
# here still shows, under "Other".
KPI_GROUPS = (
    ("volumes", "Funnel volumes", ("leads", "mqls", "sqls", "opportunities", "new_customers")),
    (
        "conversion",
        "Conversion",
        (
            "lead_to_mql_rate",
            "mql_to_sql_rate",
            "sql_to_opportunity_rate",
            "opportunity_to_customer_rate",
            "lead_to_customer_rate",
            "mql_rejection_rate",
        ),
    ),
    (
        "revenue",
        "Revenue and deals",
        (
            "revenue",
            "marketing_sourced_revenue",
            "won_deals",
            "lost_deals",
            "win_rate",
            "average_deal_size",
            "pipeline_created",
            "customer_lifetime_value",
            "pipeline_velocity",
        ),
    ),
    (
        "speed",
        "Speed and hand-off",
        (
            "sales_cycle_days_mean",
            "sales_cycle_days_median",
            "stage_days_median.lead_to_mql",
            "stage_days_median.mql_to_sql",
            "stage_days_median.sql_to_opportunity",
            "stage_days_median.opportunity_to_customer",
            "mql_response_hours_median",
            "mql_response_within_sla_rate",
            "mql_disposition_within_48h_rate",
        ),
    ),
    (
        "marketing",
        "Traffic, spend and content",
        (
            "sessions",
            "traffic_to_lead_rate",
            "traffic_to_mql_rate",
            "end_to_end_rate",
            "spend",
            "cost_per_lead",
            "cost_per_mql",
            "customer_acquisition_cost",
            "content_downloads",
            "customers_with_content_rate",
        ),
    ),
    ("activity", "Sales activity", ("calls", "meetings")),
)


def kpi_groups() -> list[tuple[str, str, tuple[str, ...]]]:
    """The groups with only keys the registry has, and "Other" for any KPI not listed."""
    known = set(SCALAR_KPI_KEYS)
    groups = [(key, label, tuple(k for k in keys if k in known)) for key, label, keys in KPI_GROUPS]
    listed = {k for _, _, keys in groups for k in keys}
    other = tuple(key for key in SCALAR_KPI_KEYS if key not in listed)
    return groups + ([("other", "Other", other)] if other else [])


@register_page
class KpiPeriodView(DashboardPage):
    """Every KPI of the period against the previous period and the same period last year, then
    the chosen group's KPIs for each chosen source; no table scrolls both ways."""

    template_name = "dashboard/kpis.html"
    page = "kpis"
    title = "KPIs"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        query = self.request.GET
        groups = kpi_groups()
        chosen_group = query.get("group", "")
        shown = [g for g in groups if chosen_group in ("", g[0])] or groups
        available = context["sources"]
        asked = [source for source in query.getlist("sources") if source in available]
        sources = asked or available
        last_year_period = same_period_last_year(page_filter.period)
        last_year = scoped(kpi_figures_read(last_year_period), page_filter.source)
        values, previous = context["values"], context["previous_values"]
        targets = context["targets"]
        by_source = (context["figures"] or {}).get("by_source", {})
        # Cohorts too young to have converted read "maturing", not as a collapse.
        maturing = maturing_keys(
            SCALAR_KPI_KEYS,
            period_end=page_filter.period.end,
            now=context["now"],
            medians=context["medians"],
        )
        sections = []
        for key, label, keys in shown:
            rows = []
            for kpi in keys:
                value, target = kpi_value(values, kpi), targets.get(kpi.partition(".")[0])
                rows.append(
                    {
                        "key": kpi,
                        "value": value,
                        "previous": kpi_value(previous, kpi),
                        "last_year": kpi_value(last_year, kpi),
                        "spend": kpi_value(values, "spend"),
                        "previous_spend": kpi_value(previous, "spend"),
                        "last_year_spend": kpi_value(last_year, "spend"),
                        "maturing": kpi in maturing,
                        "target": target,
                        "met": target_met(value, target.comparator, target.target)
                        if target
                        else None,
                    }
                )
            sections.append(
                {
                    "key": key,
                    "label": label,
                    "keys": keys,
                    "rows": rows,
                    "sources": [
                        (
                            source,
                            [kpi_value(by_source.get(source), kpi) for kpi in keys],
                            kpi_value(by_source.get(source), "spend"),
                        )
                        for source in sources
                    ],
                }
            )
        return {
            "groups": groups,
            "chosen_group": chosen_group,
            "chosen_sources": sources,
            "all_sources_chosen": len(sources) == len(available),
            "last_year_period": last_year_period,
            "sections": sections,
            "maturing": maturing,
        }


# What each planner figure is called on the page.
PLAN_FIGURES = {
    "won_deals": "Won deals",
    "deals": "Deals closed (won or lost)",
    "opportunities": "Opportunities",
    "sqls": "SQLs",
    "mqls": "MQLs",
    "leads": "Leads",
    "sessions": "Sessions",
}


class PlannerView(RoleRequiredMixin, TemplateView):
    """The goal planner: from a revenue target back to the funnel volumes needed per month."""

    minimum_role = Role.VIEWER
    template_name = "dashboard/planner.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["currency"] = workspace_settings_get().currency
        if "revenue" not in self.request.GET:
            # The quarter in progress: its trailing 12 months are complete months.
            current = kpi_month_default().current
            quarter = period_containing(Grain.QUARTER, current.first_day, current.time_zone)
            context["form"] = PlannerForm(initial={"period": quarter.label})
            return context
        form = PlannerForm(self.request.GET)
        context["form"] = form
        if not form.is_valid():
            return context
        try:
            period = kpi_period_parse(form.cleaned_data["period"])
            plan = funnel_plan_get(revenue=form.cleaned_data["revenue"], period=period)
        except PeriodError as error:
            form.add_error("period", str(error))
            return context
        context["plan"] = plan
        context["plan_messages"] = _plan_messages(plan)
        context["rows"] = [
            {
                "figure": figure,
                "label": PLAN_FIGURES[figure],
                "total": plan["figures"][figure],
                "per_month": plan["per_month"][figure],
                "base": PLAN_FIGURES.get(base, "Revenue target"),
                "rate_key": rate_key,
                "rate": plan["rates"].get(rate_key),
            }
            for figure, base, rate_key in STEPS
        ]
        return context


def _plan_messages(plan: dict) -> list[str]:
    """A sentence per missing or zero rate, naming the figure it leaves unknown."""
    messages = []
    for figure, _, rate_key in STEPS:
        rate = plan["rates"].get(rate_key)
        if rate is not None and rate != 0:
            continue
        state = "could not be measured (no data)" if rate is None else "was 0"
        messages.append(
            f"{KPIS_BY_KEY[rate_key].label} {state} in the 12 months before"
            f" {plan['period']['label']}: {PLAN_FIGURES[figure]} cannot be worked out,"
            " nor any figure below it."
        )
    return messages
