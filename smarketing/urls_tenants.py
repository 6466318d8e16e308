"""A workspace's host: its pages, its admin and its API."""

from django.urls import include, path

from smarketing.accounts.urls import auth_urlpatterns
from smarketing.admin_sites import workspace_admin_site
from tenants import views as tenant_views

# The API first: the resolver tries patterns in order, and its requests are the most frequent
# and the cheapest (no page's sixty patterns tried before them). No page path starts with api/.
urlpatterns = [
    path("api/v1/", include("smarketing.api_urls")),
    path("health/", tenant_views.health, name="health"),
    path("", include("smarketing.dashboard.urls")),
    path("", include("smarketing.accounts.urls")),
    path("data/", include("smarketing.funnel.urls")),
    path("surveys/", include("surveys.urls")),
    *auth_urlpatterns,
    path("admin/", workspace_admin_site.urls),
]

handler404 = "smarketing.core.views.page_not_found"
handler500 = "smarketing.core.views.server_error"
