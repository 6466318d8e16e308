"""The KPIs page (every KPI of a period by source) and the goal planner."""

from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Grain, PeriodError, period_containing
from smarketing.kpis.definitions import KPIS_BY_KEY, SCALAR_KPI_KEYS
from smarketing.kpis.planner import STEPS
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.planner import funnel_plan_get
from smarketing.kpis.selectors.snapshots import (
    kpi_month_default,
    kpi_period_is_complete,
    kpi_snapshot_for_period,
    kpi_value,
)
from smarketing.slas.rules import target_met
from smarketing.slas.selectors import sla_targets_by_kpi

from ..forms import PlannerForm


class KpiPeriodView(RoleRequiredMixin, TemplateView):
    """Every KPI of one week, month or quarter by source, read from its snapshot."""

    minimum_role = Role.VIEWER
    template_name = "dashboard/kpis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["currency"] = workspace_settings_get().currency
        text = (self.request.GET.get("period") or "").strip()
        default = None
        if not text:
            default = kpi_month_default()
            text = default.month.label
        context["period_text"] = text
        context["default"] = default
        try:
            period = kpi_period_parse(text)
        except PeriodError as error:
            context["error"] = str(error)
            return context
        snapshot = kpi_snapshot_for_period(period)
        context["period"] = period
        context["complete"] = kpi_period_is_complete(period)
        if period.grain is not Grain.CUSTOM:
            context["previous_label"] = period.previous().label
            context["next_label"] = period.next().label
        context["snapshot"] = snapshot
        if snapshot:
            # The SLAs on the whole workspace judged per period of this kind are its targets.
            targets = sla_targets_by_kpi(period=str(period.grain))
            sources = list(snapshot.by_source)
            context["sources"] = sources
            rows = []
            for key in SCALAR_KPI_KEYS:
                total = kpi_value(snapshot.kpis, key)
                target = targets.get(key)
                rows.append(
                    {
                        "key": key,
                        "total": total,
                        "target": target,
                        "met": target_met(total, target.comparator, target.target)
                        if target
                        else None,
                        "by_source": [kpi_value(snapshot.by_source[s], key) for s in sources],
                    }
                )
            context["rows"] = rows
        return context


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
