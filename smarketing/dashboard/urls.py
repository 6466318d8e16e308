"""Every page of a workspace's host but surveys, accounts and data uploads."""

from django.urls import path

from .views import home, kpis, settings

app_name = "dashboard"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("kpis/", kpis.KpiPeriodView.as_view(), name="kpis"),
    path("kpis/planner/", kpis.PlannerView.as_view(), name="planner"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path("settings/channels/", settings.ChannelOwnershipView.as_view(), name="settings_channels"),
    path("settings/targets/", settings.KpiTargetsView.as_view(), name="settings_targets"),
]
