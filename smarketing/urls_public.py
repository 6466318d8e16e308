"""The public host: landing page, platform admin, health."""

from django.urls import path

from smarketing.admin_sites import platform_admin_site
from tenants import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("health/", views.health, name="health"),
    path("platform/", platform_admin_site.urls),
]

handler500 = "smarketing.core.views.server_error"
