"""Abuse limits, per workspace: sign-in per account and per address, reset mails, invitations
and the API. Before them, 60 wrong passwords from two addresses were all answered, 20 reset
mails reached one person in 2 seconds, and the API had no throttle at all."""

import pytest
from django.core import mail

from tests.conftest import ALPHA_HOST, BETA_HOST, PASSWORD, client_for, make_user

THROTTLED = "Too many sign-in attempts"
WRONG = "Please enter a correct"  # the same words for an unknown account and a wrong password


def sign_in(email: str, password: str = "wrong-password", host=ALPHA_HOST, address="10.0.0.1"):  # noqa: S107
    client = client_for(host)
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_after_5_failures_whatever_the_address(alpha, alice):
    for attempt in range(5):
        response = sign_in("alice@alpha.test", address=f"10.0.0.{attempt % 2}")
        assert response.status_code == 200 and WRONG in response.content.decode()
    # Locked: even the right password is not checked, from any address.
    response = sign_in("alice@alpha.test", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_an_unknown_account_is_answered_exactly_like_a_real_one(alpha, alice):
    answers = {}
    for email in ("alice@alpha.test", "nobody@alpha.test"):
        answers[email] = [
            (r.status_code, THROTTLED in r.content.decode(), WRONG in r.content.decode())
            for r in (sign_in(email, address="10.1.1.1") for _ in range(7))
        ]
    assert answers["alice@alpha.test"] == answers["nobody@alpha.test"]
    assert [status for status, *_ in answers["nobody@alpha.test"]] == [200] * 5 + [429] * 2


def test_an_address_is_locked_after_20_failures_on_any_accounts(alpha, alice):
    for index in range(20):
        assert sign_in(f"guess{index}@alpha.test", address="10.2.2.2").status_code == 200
    assert sign_in("alice@alpha.test", PASSWORD, address="10.2.2.2").status_code == 429
    assert sign_in("alice@alpha.test", PASSWORD, address="10.3.3.3").status_code == 302


def test_limits_are_per_workspace_and_success_resets_the_account(alpha, beta, alice):
    make_user(beta, "alice@alpha.test", "admin")  # the same address in another workspace
    for _ in range(5):
        sign_in("alice@alpha.test", address="10.4.4.4")
    assert sign_in("alice@alpha.test", PASSWORD, address="10.5.5.5").status_code == 429
    assert sign_in("alice@alpha.test", PASSWORD, BETA_HOST, "10.5.5.5").status_code == 302
    for _ in range(4):
        sign_in("alice@alpha.test", host=BETA_HOST, address="10.6.6.6")
    assert sign_in("alice@alpha.test", PASSWORD, BETA_HOST, "10.6.6.6").status_code == 302
    for _ in range(4):  # the count started again after the success
        sign_in("alice@alpha.test", host=BETA_HOST, address="10.6.6.6")
    assert sign_in("alice@alpha.test", PASSWORD, BETA_HOST, "10.6.6.6").status_code == 302


def test_the_admin_sign_in_is_throttled_too(alpha, alice):
    client = client_for(ALPHA_HOST)
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice@alpha.test", "password": "x"})
    response = client.post("/admin/login/", {"username": "alice@alpha.test", "password": PASSWORD})
    assert THROTTLED in response.content.decode()


def test_reset_mails_are_limited_per_account_and_answered_alike(alpha, alice):
    client = client_for(ALPHA_HOST)
    answers = []
    for index in range(10):
        email = "alice@alpha.test" if index % 2 == 0 else "nobody@alpha.test"
        response = client.post("/password-reset/", {"email": email}, REMOTE_ADDR="10.7.7.7")
        answers.append((response.status_code, response.get("Location")))
    assert set(answers) == {(302, "/password-reset/sent/")}
    assert [message.to for message in mail.outbox] == [["alice@alpha.test"]] * 3
    refused = client.post("/password-reset/", {"email": "x@alpha.test"}, REMOTE_ADDR="10.7.7.7")
    assert refused.status_code == 429  # the 11th request from one address
    assert "Too many reset requests" in refused.content.decode()


def test_invitations_are_limited_per_admin(alpha, alice, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations-admin": (2, 3600)}
    admin = client_for(ALPHA_HOST, alice)
    statuses = [
        admin.post(
            "/api/v1/invitations/",
            {"email": f"p{index}@alpha.test", "role": "member", "team": "sales"},
            content_type="application/json",
        ).status_code
        for index in range(3)
    ]
    assert statuses == [201, 201, 429]
    page = admin.post(
        "/members/invite/", {"email": "q@alpha.test", "role": "member", "team": "sales"}
    )
    assert page.status_code == 429 and "many invitations" in page.content.decode()


@pytest.fixture
def tight_api_rates(settings):
    settings.API_THROTTLE_RATES = {"user": "3/min", "anon": "2/min"}


def test_the_api_throttles_people_and_anonymous_addresses_per_workspace(
    tight_api_rates, alpha, beta, alice, charlie
):
    alice_api = client_for(ALPHA_HOST, alice)
    assert [alice_api.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Retry-After" in alice_api.get("/api/v1/me/")
    assert client_for(BETA_HOST, charlie).get("/api/v1/me/").status_code == 200
    anonymous = client_for(ALPHA_HOST)  # on a route open to anonymous (permission first)
    statuses = [anonymous.get("/api/v1/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
