import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.accounts.models import Invitation, User
from tests.conftest import ALPHA_HOST, BETA_HOST, client_for


def _invite(client, email="dana@alpha.test", role="member", team="sales"):
    return client.post("/members/invite/", {"email": email, "role": role, "team": team})


def _link_from_last_email() -> str:
    match = re.search(r"http://[^\s]+/invitations/[^\s/]+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_admin_invites_a_teammate_who_joins_with_role_and_team(
    alice_client, alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(alice_client)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["dana@alpha.test"]
    link = _link_from_last_email()
    assert link.startswith("http://alpha.localhost/invitations/")

    newcomer = client_for(ALPHA_HOST)
    path = link.removeprefix("http://alpha.localhost")
    assert b"Join Alpha" in newcomer.get(path).content
    response = newcomer.post(path, {"first_name": "Dana", "password": "a-long-pass-phrase"})
    assert response.status_code == 302 and response.url == "/"
    with schema_context(alpha.schema_name):
        dana = User.objects.get(email="dana@alpha.test")
        assert (dana.role, dana.team, dana.is_staff) == ("member", "sales", False)
    assert newcomer.get("/").status_code == 200


def test_invitation_token_is_single_use(alice_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(alice_client)
    path = _link_from_last_email().removeprefix("http://alpha.localhost")
    first = client_for(ALPHA_HOST).post(path, {"password": "a-long-pass-phrase"})
    assert first.status_code == 302
    second = client_for(ALPHA_HOST).post(path, {"password": "another-long-phrase"})
    assert second.status_code == 410
    assert b"no longer valid" in second.content


def test_expired_invitation_shows_a_clear_page(
    alice_client, alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(alice_client)
    with schema_context(alpha.schema_name):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    path = _link_from_last_email().removeprefix("http://alpha.localhost")
    response = client_for(ALPHA_HOST).get(path)
    assert response.status_code == 410
    assert b"expired" in response.content


def test_invitation_link_of_one_workspace_is_unknown_on_another(
    alice_client, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(alice_client)
    path = _link_from_last_email().removeprefix("http://alpha.localhost")
    response = client_for(BETA_HOST).post(path, {"password": "a-long-pass-phrase"})
    assert response.status_code == 410


def test_viewer_cannot_invite(bob_client, alpha):
    response = _invite(bob_client, email="eve@alpha.test")
    assert response.status_code == 403
    with schema_context(alpha.schema_name):
        assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_viewer_cannot_invite_through_the_api(bob_client, alpha):
    response = bob_client.post(
        "/api/v1/invitations/", {"email": "eve@alpha.test", "role": "admin", "team": "sales"}
    )
    assert response.status_code == 403
    with schema_context(alpha.schema_name):
        assert not Invitation.objects.exists()


def test_admin_invites_through_the_api(alice_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/api/v1/invitations/",
            {"email": "Fay@Alpha.test", "role": "viewer", "team": "marketing"},
        )
    assert response.status_code == 201
    assert response.json()["email"] == "fay@alpha.test"
    assert mail.outbox[-1].to == ["fay@alpha.test"]
    listed = alice_client.get("/api/v1/invitations/").json()
    assert [item["email"] for item in listed] == ["fay@alpha.test"]


def test_inviting_an_existing_member_is_refused(alice_client, bob):
    response = alice_client.post(
        "/api/v1/invitations/", {"email": bob.email, "role": "member", "team": "sales"}
    )
    assert response.status_code == 400
    assert "already a member" in str(response.json())


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_admins_open_the_workspace_admin(alpha, role):
    from tests.conftest import make_user

    user = make_user(alpha, f"{role}@alpha.test", role)
    response = client_for(ALPHA_HOST, user).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_workspace_admin_opens_the_admin_and_sees_only_workspace_models(alice_client):
    response = alice_client.get("/admin/")
    assert response.status_code == 200
    assert b"Invitations" in response.content
    assert b"Workspaces" not in response.content
