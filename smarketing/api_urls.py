"""Everything under /api/v1/ on a workspace's host."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from smarketing.accounts import apis as account_apis

urlpatterns = [
    path("me/", account_apis.MeApi.as_view(), name="api-me"),
    path("members/", account_apis.MemberListApi.as_view(), name="api-members"),
    path("members/<int:pk>/", account_apis.MemberUpdateApi.as_view(), name="api-member-update"),
    path("invitations/", account_apis.InvitationApi.as_view(), name="api-invitations"),
    path("", include("smarketing.kpis.api_urls")),
    path("", include("smarketing.funnel.api_urls")),
    path("", include("smarketing.slas.api_urls")),
    path("", include("surveys.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
