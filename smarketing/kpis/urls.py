"""Pages of the kpis app on a workspace's host."""

from django.urls import path

from smarketing.dashboard.views import KpiPeriodView

app_name = "kpis"

urlpatterns = [path("", KpiPeriodView.as_view(), name="period")]
