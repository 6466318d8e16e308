"""Dates and times on a workspace's pages in the workspace's own time zone."""

from django.utils import timezone

from smarketing.accounts.permissions import is_workspace_request
from smarketing.core.data_version import data_version_request_scope

from .selectors import workspace_settings_request_scope, workspace_time_zone


class WorkspaceTimeZoneMiddleware:
    """Activates the workspace's time zone for the request, so templates show local times
    (`computed 2026-11-30 23:36 CET`) instead of UTC; placed after the routing middleware.
    The request reads the workspace's settings row once (`workspace_settings_request_scope`), and
    its data version once, first (`data_version_request_scope`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_workspace_request(request):
            return self.get_response(request)
        with data_version_request_scope(), workspace_settings_request_scope():
            timezone.activate(workspace_time_zone())
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
