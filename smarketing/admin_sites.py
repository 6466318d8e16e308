"""Two admin sites: the platform's (public host) and each workspace's (its own host).

Each registers its own models only, so a workspace admin never sees the list of workspaces,
and the platform admin never browses a workspace's data.
"""

from django.contrib.admin import AdminSite

from smarketing.accounts.forms import AdminSignInForm
from smarketing.accounts.permissions import has_workspace_role


class PlatformAdminSite(AdminSite):
    login_form = AdminSignInForm
    site_header = "smarketing platform"
    site_title = "smarketing platform"
    index_title = "Workspaces"


class WorkspaceAdminSite(AdminSite):
    login_form = AdminSignInForm
    site_header = "Workspace administration"
    site_title = "smarketing"

    def has_permission(self, request) -> bool:
        # Staff status alone is not enough: the person must be an admin of this workspace.
        return super().has_permission(request) and has_workspace_role(request, "admin")


platform_admin_site = PlatformAdminSite(name="platform_admin")
workspace_admin_site = WorkspaceAdminSite(name="admin")


class WorkspaceModelAdmin:
    """Mixin for ModelAdmins of workspace data: the workspace's admins have every right there."""

    def _is_workspace_admin(self, request) -> bool:
        return has_workspace_role(request, "admin")

    def has_module_permission(self, request) -> bool:
        return self._is_workspace_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_workspace_admin(request)

    def has_add_permission(self, request, *args) -> bool:
        return self._is_workspace_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_workspace_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_workspace_admin(request)
