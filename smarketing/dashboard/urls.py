"""Every page of a workspace's host but surveys, accounts and data uploads."""

from django.urls import path

from .views import (
    analytics,
    base,
    breaches,
    glossary,
    home,
    kpis,
    notifications,
    reasons,
    report,
    settings,
    slas,
)

app_name = "dashboard"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("funnel/", analytics.FunnelView.as_view(), name="funnel"),
    path("sources/", analytics.SourcesView.as_view(), name="sources"),
    path("marketing/", analytics.MarketingView.as_view(), name="marketing"),
    path("sales/", analytics.SalesView.as_view(), name="sales"),
    path("charts/<str:page>/<str:chart>.csv", base.ChartCsvView.as_view(), name="chart_csv"),
    path("report/", report.ReportView.as_view(), name="report"),
    path(
        "report/download.<str:file_format>",
        report.ReportDownloadView.as_view(),
        name="report_download",
    ),
    path("reasons/", reasons.ReasonsView.as_view(), name="reasons"),
    path("reasons/lists/", reasons.ReasonListsView.as_view(), name="reason_lists"),
    path("kpis/", kpis.KpiPeriodView.as_view(), name="kpis"),
    path("kpis/planner/", kpis.PlannerView.as_view(), name="planner"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path("settings/channels/", settings.ChannelOwnershipView.as_view(), name="settings_channels"),
    path("settings/targets/", settings.KpiTargetsView.as_view(), name="settings_targets"),
    path("slas/", slas.SlaListView.as_view(), name="slas"),
    path("slas/new/", slas.SlaCreateView.as_view(), name="sla_create"),
    path("slas/accept/", slas.SlaProposalsAcceptView.as_view(), name="sla_accept"),
    path("slas/from-goal/", slas.SlaFromGoalView.as_view(), name="sla_from_goal"),
    path("slas/breaches/", breaches.BreachListView.as_view(), name="breaches"),
    path("slas/breaches.csv", breaches.BreachCsvView.as_view(), name="breaches_csv"),
    path("slas/<int:pk>/", slas.SlaDetailView.as_view(), name="sla_detail"),
    path("slas/<int:pk>/edit/", slas.SlaEditView.as_view(), name="sla_edit"),
    path("slas/<int:pk>/retire/", slas.SlaRetireView.as_view(), name="sla_retire"),
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path("glossary/", glossary.GlossaryView.as_view(), name="glossary"),
    path("glossary/new/", glossary.DefinitionVersionCreateView.as_view(), name="glossary_new"),
    path("glossary/leads/", glossary.TeamLeadsView.as_view(), name="glossary_leads"),
    path(
        "glossary/<int:number>/", glossary.DefinitionVersionView.as_view(), name="glossary_version"
    ),
    path(
        "glossary/<int:number>/sign/", glossary.DefinitionSignView.as_view(), name="glossary_sign"
    ),
    path("settings/alignment/", settings.AlignmentWeightsView.as_view(), name="settings_alignment"),
    path(
        "settings/exchange-rates/",
        settings.ExchangeRatesView.as_view(),
        name="exchange_rates",
    ),
]
