"""API of the kpis app, mounted under /api/v1/ on a workspace's host."""

from django.urls import path

from . import apis

urlpatterns = [
    path("kpis/", apis.KpiReportApi.as_view(), name="api-kpis"),
    path("kpis/series/", apis.KpiSeriesApi.as_view(), name="api-kpi-series"),
    path("kpis/anomalies/", apis.KpiAnomalyListApi.as_view(), name="api-kpi-anomalies"),
    path("kpis/stability/", apis.KpiStabilityApi.as_view(), name="api-kpi-stability"),
    path("kpis/jobs/", apis.KpiSnapshotJobListApi.as_view(), name="api-kpi-jobs"),
    path("kpis/jobs/refresh/", apis.KpiSnapshotRefreshApi.as_view(), name="api-kpi-refresh"),
    path("planner/", apis.PlannerApi.as_view(), name="api-planner"),
    path("exchange-rates/", apis.ExchangeRatesApi.as_view(), name="api-exchange-rates"),
]
