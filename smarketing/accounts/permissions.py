"""One place for "who may do this": workspace roles, for API classes and pages alike."""

from django.contrib.auth.mixins import AccessMixin
from django.http import HttpRequest
from django.views import View
from django_tenants.utils import get_public_schema_name
from rest_framework.permissions import BasePermission

from .models import Role


def is_workspace_request(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != get_public_schema_name()


def has_workspace_role(request: HttpRequest, minimum: str) -> bool:
    user = request.user
    return (
        is_workspace_request(request) and user.is_authenticated and user.has_role(minimum)  # type: ignore[union-attr]
    )


class IsWorkspaceMember(BasePermission):
    """Any signed-in person of this workspace (viewer and up)."""

    minimum_role = Role.VIEWER

    def has_permission(self, request, view) -> bool:
        return has_workspace_role(request, self.minimum_role)


class IsWorkspaceEditor(IsWorkspaceMember):
    minimum_role = Role.MEMBER


class IsWorkspaceAdmin(IsWorkspaceMember):
    minimum_role = Role.ADMIN


class RoleRequiredMixin(AccessMixin, View):
    """For pages: sign-in required, then at least `minimum_role`, else 403."""

    minimum_role: str = Role.VIEWER

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_workspace_role(request, self.minimum_role):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
