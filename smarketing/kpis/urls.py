"""Pages of the kpis app on a workspace's host."""

from django.urls import path

from smarketing.dashboard.views import KpiPeriodView, PlannerView

app_name = "kpis"

urlpatterns = [
    path("", KpiPeriodView.as_view(), name="period"),
    path("planner/", PlannerView.as_view(), name="planner"),
]
