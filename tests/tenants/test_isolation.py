"""Nothing of one workspace is reachable from another: hosts, ids, sessions."""

import pytest
from django_tenants.utils import schema_context

from smarketing.accounts.models import User
from tests.conftest import ALPHA_HOST, BETA_HOST, PASSWORD, client_for

WORKSPACE_PAGES = [
    "/",
    "/members/",
    "/admin/",
    "/api/v1/me/",
    "/api/v1/members/",
    "/api/v1/invitations/",
]


def test_colliding_primary_keys_stay_apart(alpha, beta):
    """The same id in two schemas names two different people, each visible only at home."""
    for workspace, email in ((alpha, "same-id@alpha.test"), (beta, "same-id@beta.test")):
        with schema_context(workspace.schema_name):
            User.objects.create_user(
                pk=9001, username=email, email=email, password=PASSWORD, role="admin"
            )
    alpha_admin = client_for(ALPHA_HOST, User(username="same-id@alpha.test"))
    beta_admin = client_for(BETA_HOST, User(username="same-id@beta.test"))
    alpha_me, beta_me = alpha_admin.get("/api/v1/me/").json(), beta_admin.get("/api/v1/me/").json()
    assert (alpha_me["id"], alpha_me["email"]) == (9001, "same-id@alpha.test")
    assert (beta_me["id"], beta_me["email"]) == (9001, "same-id@beta.test")


@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_session_cookie_from_one_workspace_is_no_session_on_another(alice_client, charlie, path):
    stolen = alice_client.cookies["sessionid"].value
    intruder = client_for(BETA_HOST)
    intruder.cookies["sessionid"] = stolen
    response = intruder.get(path)
    assert response.status_code in (302, 401, 403)
    assert b"alice@alpha.test" not in response.content
    if response.status_code == 302:
        assert "login" in response.url


def test_other_workspaces_user_ids_are_not_found(charlie_client, alice, bob, charlie):
    """Charlie (beta's admin) names Bob's id from alpha: it is not a row of beta."""
    assert bob.pk != charlie.pk
    response = charlie_client.patch(
        f"/api/v1/members/{bob.pk}/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 404
    response = charlie_client.post(f"/members/{bob.pk}/", {"role": "admin", "team": "sales"})
    assert response.status_code == 404


def test_member_lists_show_only_the_hosts_workspace(alice_client, charlie_client, bob):
    alpha_emails = {m["email"] for m in alice_client.get("/api/v1/members/").json()}
    beta_emails = {m["email"] for m in charlie_client.get("/api/v1/members/").json()}
    assert alpha_emails == {"alice@alpha.test", "bob@alpha.test"}
    assert beta_emails == {"charlie@beta.test"}
    page = charlie_client.get("/members/").content
    assert b"alice@alpha.test" not in page and b"bob@alpha.test" not in page


def test_credentials_of_one_workspace_do_not_sign_in_on_another(alice, beta):
    client = client_for(BETA_HOST)
    response = client.post("/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/api/v1/me/").status_code == 403


def test_api_token_of_one_workspace_is_rejected_on_another(alice, beta):
    from rest_framework.authtoken.models import Token

    from tenants.provisioning import dangerously_workspace_get

    with schema_context(dangerously_workspace_get("alpha").schema_name):
        token = Token.objects.create(user=alice)
    own = client_for(ALPHA_HOST).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert own.status_code == 200 and own.json()["email"] == alice.email
    other = client_for(BETA_HOST).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert other.status_code in (401, 403)


@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_unknown_host_never_serves_workspace_pages(db, path):
    assert client_for("ghost.localhost").get(path).status_code == 404


def test_platform_admin_is_only_on_the_public_host(alice_client):
    assert alice_client.get("/platform/").status_code == 404
