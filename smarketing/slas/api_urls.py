"""API of the SLA app, mounted under /api/v1/ on a workspace's host."""

from django.urls import path

from . import apis

urlpatterns = [
    path("slas/", apis.SlaListApi.as_view(), name="api-slas"),
    path("slas/create/", apis.SlaCreateApi.as_view(), name="api-sla-create"),
    path("slas/apply/", apis.SlaApplyApi.as_view(), name="api-sla-apply"),
    path("slas/evaluate/", apis.SlaEvaluateApi.as_view(), name="api-sla-evaluate"),
    path("slas/<int:pk>/", apis.SlaDetailApi.as_view(), name="api-sla"),
    path("slas/<int:pk>/update/", apis.SlaUpdateApi.as_view(), name="api-sla-update"),
    path("slas/<int:pk>/retire/", apis.SlaRetireApi.as_view(), name="api-sla-retire"),
    path("slas/<int:pk>/history/", apis.SlaHistoryApi.as_view(), name="api-sla-history"),
    path("settings/", apis.WorkspaceSettingsApi.as_view(), name="api-settings"),
]
