"""The home page: the latest complete month at a glance."""

from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Grain, Period
from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.selectors.anomalies import kpi_anomaly_list, kpi_stability_list
from smarketing.kpis.selectors.snapshots import (
    kpi_month_default,
    kpi_snapshot_job_list,
    kpi_snapshot_series,
    kpi_value,
)
from smarketing.slas.rules import target_met
from smarketing.slas.selectors import sla_targets_by_kpi

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
# Anomalies of the shown month and the two before it; the strongest few are listed.
ANOMALY_MONTHS = 3
ANOMALIES_SHOWN = 6
# Coefficient of variation below which a rate reads as steady, and above which as unstable.
STEADY_BELOW, UNSTABLE_ABOVE = 0.10, 0.25


def _targets(values: dict | None) -> list[dict]:
    """Every monthly SLA on the whole workspace (KPI targets are SLAs) with the value of the
    shown month and whether it is met."""
    return [
        {
            "key": key,
            "comparator": target.comparator,
            "target": target.target,
            "value": kpi_value(values, key),
            "met": target_met(kpi_value(values, key), target.comparator, target.target),
        }
        for key, target in sorted(sla_targets_by_kpi(period="month").items())
    ]


def _stability_verdict(cv: float | None) -> str:
    if cv is None:
        return "not enough data"
    if cv < STEADY_BELOW:
        return "steady"
    return "variable" if cv <= UNSTABLE_ABOVE else "unstable"


class HomeView(RoleRequiredMixin, TemplateView):
    """The dashboard: the latest complete month with data, its change against the month before,
    anomalies, stability, targets and 12 complete months of charts; from snapshots only."""

    minimum_role = Role.VIEWER
    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        default = kpi_month_default()
        month = default.month
        first = month.shifted(-(MONTHS_SHOWN - 1))
        series = kpi_snapshot_series(grain=Grain.MONTH, first=first, last=month)
        # The charted months end with the shown one; the one before it is the comparison.
        previous_snapshot, snapshot = series[-2][1], series[-1][1]
        values = snapshot.kpis if snapshot else None
        previous_values = previous_snapshot.kpis if previous_snapshot else None
        targets = _targets(values)
        targets_by_key = {target["key"]: target for target in targets}
        context.update(
            currency=workspace_settings_get().currency,
            month=month,
            previous_month=month.previous(),
            current_month=default.current,
            has_data=default.has_data,
            snapshot=snapshot,
            headline=[
                {
                    "key": key,
                    "label": KPIS_BY_KEY[key].label,
                    "value": kpi_value(values, key),
                    "previous": kpi_value(previous_values, key),
                    "target": targets_by_key.get(key),
                }
                for key in HEADLINE_KPIS
            ],
            targets=targets,
            anomalies=self._anomalies(month),
            stability=[
                {**item, "verdict": _stability_verdict(item["coefficient_of_variation"])}
                for item in kpi_stability_list(last_month=month)
                if item["coefficient_of_variation"] is not None
            ],
            jobs=kpi_snapshot_job_list(limit=3),
        )
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
        return context

    @staticmethod
    def _anomalies(month: Period) -> list[dict]:
        found = kpi_anomaly_list(
            grain=Grain.MONTH, first=month.shifted(-(ANOMALY_MONTHS - 1)), last=month
        )
        found.sort(key=lambda item: (-abs(item["robust_z"]), item["period"], item["kpi"]))
        return found[:ANOMALIES_SHOWN]
