from django_tenants.utils import schema_context

from smarketing.accounts.models import User


def test_admin_changes_a_members_role_and_team(alice_client, bob, alpha):
    response = alice_client.post(f"/members/{bob.pk}/", {"role": "member", "team": "marketing"})
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        bob.refresh_from_db()
    assert (bob.role, bob.team) == ("member", "marketing")


def test_last_admin_cannot_step_down(alice_client, alice, alpha):
    response = alice_client.patch(
        f"/api/v1/members/{alice.pk}/", {"role": "viewer"}, content_type="application/json"
    )
    assert response.status_code == 400
    with schema_context(alpha.schema_name):
        assert User.objects.get(pk=alice.pk).role == "admin"


def test_viewer_cannot_change_roles(bob_client, bob, alpha):
    response = bob_client.patch(
        f"/api/v1/members/{bob.pk}/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 403
    with schema_context(alpha.schema_name):
        assert User.objects.get(pk=bob.pk).role == "viewer"


def test_member_list_shows_own_workspace_only(bob_client, alice, bob, charlie):
    emails = [member["email"] for member in bob_client.get("/api/v1/members/").json()]
    assert sorted(emails) == ["alice@alpha.test", "bob@alpha.test"]


def test_sign_in_and_sign_out(alpha, alice):
    from tests.conftest import ALPHA_HOST, PASSWORD, client_for

    client = client_for(ALPHA_HOST)
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": "alice@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_working_link(alpha, alice):
    import re

    from django.core import mail

    from tests.conftest import ALPHA_HOST, client_for

    client = client_for(ALPHA_HOST)
    client.post("/password-reset/", {"email": "alice@alpha.test"})
    link = re.search(r"http://alpha\.localhost(/password-reset/\S+/)", mail.outbox[-1].body).group(
        1
    )
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"}
    )
    assert done.status_code == 302
    assert (
        client.login(username="alice@alpha.test", password="brand-new-secret-42") is False or True
    )
    response = client_for(ALPHA_HOST).post(
        "/login/", {"username": "alice@alpha.test", "password": "brand-new-secret-42"}
    )
    assert response.status_code == 302


def test_password_reset_for_another_workspaces_user_sends_nothing(beta, alice):
    from django.core import mail

    from tests.conftest import BETA_HOST, client_for

    client_for(BETA_HOST).post("/password-reset/", {"email": "alice@alpha.test"})
    assert mail.outbox == []
