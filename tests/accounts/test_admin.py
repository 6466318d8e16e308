"""The workspace admin (Django's admin on a workspace's host) never answers 500.

Both of these did: a second Invitation added there (its unique token hash was stored empty
twice) and a second User added without an email (the unique email empty twice).
"""

from django_tenants.utils import schema_context

from smarketing.accounts.models import Invitation, User

PASSWORDS = {"password1": "sneaky-new-pass-123", "password2": "sneaky-new-pass-123"}


def test_invitations_are_not_added_in_the_admin_but_from_the_members_page(alpha, alice_client):
    alice_client.raise_request_exception = False
    body = {
        "email": "x@alpha.test",
        "role": "member",
        "team": "sales",
        "expires_at_0": "2099-01-01",
        "expires_at_1": "00:00:00",
    }
    for _ in range(2):
        response = alice_client.post("/admin/accounts/invitation/add/", body)
        assert response.status_code == 403
    with schema_context(alpha.schema_name):
        assert not Invitation.objects.exists()
    listing = alice_client.get("/admin/accounts/invitation/").content.decode()
    assert "/members/" in listing  # where invitations are sent from


def test_users_added_in_the_admin_need_their_email_which_is_their_username(alpha, alice_client):
    alice_client.raise_request_exception = False
    first = alice_client.post(
        "/admin/accounts/user/add/",
        {"email": "New.Person@Alpha.test", "role": "member", "team": "sales", **PASSWORDS},
    )
    assert first.status_code == 302, first.content.decode()[:2000]
    with schema_context(alpha.schema_name):
        created = User.objects.get(email="new.person@alpha.test")
        assert (created.username, created.role, created.team) == (
            "new.person@alpha.test",
            "member",
            "sales",
        )
    for body in ({"username": "nobody", **PASSWORDS}, {"email": "", **PASSWORDS}):
        response = alice_client.post("/admin/accounts/user/add/", body)
        assert response.status_code == 200  # the form again, with its error
        assert "This field is required" in response.content.decode()
    again = alice_client.post(
        "/admin/accounts/user/add/", {"email": "new.person@alpha.test", **PASSWORDS}
    )
    assert again.status_code == 200
    assert "already" in again.content.decode()
    with schema_context(alpha.schema_name):
        assert User.objects.filter(email="").count() == 0
