"""The permission classes and helpers on their own (no database): who passes which role.

A `member` allowed on an admins-only API survived a mutation probe; these table tests and the
route audit's member pass kill that kind of mutant fast.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from smarketing.accounts.models import User
from smarketing.accounts.permissions import (
    IsWorkspaceAdmin,
    IsWorkspaceEditor,
    IsWorkspaceMember,
    RoleRequiredMixin,
    has_workspace_role,
    is_workspace_request,
)

WORKSPACE = SimpleNamespace(schema_name="ws_acme")
PUBLIC = SimpleNamespace(schema_name="public")


def request_of(role: str | None, *, tenant=WORKSPACE, active: bool = True):
    request = RequestFactory().get("/")
    request.user = (
        AnonymousUser() if role is None else User(email="p@x.test", role=role, is_active=active)
    )
    if tenant is not None:
        request.tenant = tenant
    return request


@pytest.mark.parametrize(
    ("role", "viewer", "editor", "admin"),
    [
        (None, False, False, False),
        ("viewer", True, False, False),
        ("member", True, True, False),
        ("admin", True, True, True),
    ],
)
def test_each_role_passes_exactly_its_classes(role, viewer, editor, admin):
    request = request_of(role)
    assert IsWorkspaceMember().has_permission(request, None) is viewer
    assert IsWorkspaceEditor().has_permission(request, None) is editor
    assert IsWorkspaceAdmin().has_permission(request, None) is admin


@pytest.mark.parametrize("role", ["viewer", "member", "admin"])
def test_no_role_counts_on_the_public_site_or_without_a_workspace_or_when_inactive(role):
    assert not has_workspace_role(request_of(role, tenant=PUBLIC), "viewer")
    assert not has_workspace_role(request_of(role, tenant=None), "viewer")
    assert not has_workspace_role(request_of(role, active=False), "viewer")
    assert is_workspace_request(request_of(role)) and not is_workspace_request(
        request_of(role, tenant=PUBLIC)
    )


class AdminsPage(RoleRequiredMixin, View):
    minimum_role = "admin"

    def get(self, request):
        return HttpResponse("ok")


def test_pages_send_anonymous_to_sign_in_and_refuse_lesser_roles():
    assert AdminsPage.as_view()(request_of(None)).status_code == 302
    for role in ("viewer", "member"):
        with pytest.raises(PermissionDenied):
            AdminsPage.as_view()(request_of(role))
    assert AdminsPage.as_view()(request_of("admin")).status_code == 200
