
from django.utils import timezone
from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.core.periods import Grain, PeriodError, period_containing
from smarketing.core.permissions import RoleRequiredMixin
from smarketing.kpis import selectors
from smarketing.kpis.definitions import KPIS_BY_KEY

# The figures on the home page, in order; charts plot the monthly series of the first ones.
HEADLINE_KPIS = (
    "leads",
    "mqls",
    "mql_to_sql_rate",
    "win_rate",
    "revenue",
    "customer_acquisition_cost",
    "pipeline_velocity",
    "mql_response_within_sla_rate",
)
CHARTS = (("leads", "mqls", "sqls"), ("revenue", "pipeline_created"), ("mql_to_sql_rate",))
MONTHS_SHOWN = 12


class HomeView(RoleRequiredMixin, TemplateView):
    """The dashboard: figures of the latest month and 12 months of charts, from snapshots only."""

    minimum_role = Role.VIEWER
    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = selectors.kpi_period_parse(timezone.now().date().isoformat()[:7])
        last = period_containing(Grain.MONTH, today.first_day, today.time_zone)
        first = last
        for _ in range(MONTHS_SHOWN - 1):
            first = first.previous()
        series = selectors.kpi_snapshot_series(grain=Grain.MONTH, first=first, last=last)
        computed = [(period, snapshot) for period, snapshot in series if snapshot]
        latest = computed[-1] if computed else None
        context["latest_period"] = latest[0] if latest else None
        context["latest"] = latest[1] if latest else None
        context["headline"] = [
            {"label": KPIS_BY_KEY[key].label, "value": latest[1].kpis.get(key) if latest else None}
            for key in HEADLINE_KPIS
        ]
        # A plain dict: the template's json_script filter does the (safe) encoding once.
        context["charts_json"] = {
            "labels": [period.label for period, _ in series],
            "charts": [
                [
                    {
                        "label": KPIS_BY_KEY[key].label,
                        "data": [s.kpis.get(key) if s else None for _, s in series],
                    }
                    for key in keys
                ]
                for keys in CHARTS
            ],
        }
        context["jobs"] = selectors.kpi_snapshot_job_list(limit=3)
        return context


class KpiPeriodView(RoleRequiredMixin, TemplateView):
    """Every KPI of one week, month or quarter by source, read from its snapshot."""

    minimum_role = Role.VIEWER
    template_name = "kpis/period.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = self.request.GET.get("period") or timezone.now().date().isoformat()[:7]
        context["period_text"] = text
        try:
            period = selectors.kpi_period_parse(text)
        except PeriodError as error:
            context["error"] = str(error)
            return context
        snapshot = selectors.kpi_snapshot_for_period(period)
        context["period"] = period
        context["snapshot"] = snapshot
        if snapshot:
            sources = list(snapshot.by_source)
            context["sources"] = sources
            context["rows"] = [
                {
                    "key": key,
                    "label": KPIS_BY_KEY[key.partition(".")[0]].label
                    + (f" · {key.partition('.')[2]}" if "." in key else ""),
                    "total": selectors.kpi_value(snapshot.kpis, key),
                    "by_source": [selectors.kpi_value(snapshot.by_source[s], key) for s in sources],
                }
                for key in selectors.SCALAR_KPI_KEYS
            ]
        return context
