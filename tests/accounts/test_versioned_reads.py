"""API tokens, sessions, signed-in people and stored KPI reports are read once per data version
by a web process (smarketing/accounts/authentication.py, sessions.py, backends.py,
smarketing/kpis/selectors/reports.py): a revoked token, a deactivated person or a new snapshot
count from the very next request; an expired session is never used."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from smarketing.configuration.selectors import workspace_settings_read
from tests.conftest import ALPHA_HOST, client_for, commit_writes
from tests.dashboard.conftest import stored_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alpha, alice):
    """Alice's API client, with every fixture row committed."""
    with schema_context(alpha.schema_name):
        workspace_settings_read()
        stored_snapshot("2026-10", leads=7)
        token = Token.objects.create(user=alice)
    commit_writes()
    client = client_for(ALPHA_HOST)
    return lambda path: client.get(path, HTTP_AUTHORIZATION=f"Token {token.key}")


def reads(action, table: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return sum(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)


def test_the_token_and_the_report_are_read_once_per_version(api):
    assert api("/api/v1/kpis/?period=2026-10").json()["kpis"]["leads"] == 7
    assert reads(lambda: api("/api/v1/kpis/?period=2026-10"), "authtoken_token") == 0
    assert reads(lambda: api("/api/v1/kpis/?period=2026-10"), "kpis_kpisnapshot") == 0
    assert reads(lambda: api("/api/v1/me/"), "configuration_workspacesettings") == 0


def test_a_revoked_token_stops_working_at_once(api, alpha):
    assert api("/api/v1/me/").status_code == 200
    with schema_context(alpha.schema_name):
        Token.objects.all().delete()
    commit_writes()
    assert api("/api/v1/me/").status_code == 403  # refused (DRF: 403 after session auth)


def test_a_deactivated_person_is_refused_at_once(api, alpha, alice):
    assert api("/api/v1/me/").status_code == 200
    with schema_context(alpha.schema_name):
        alice.is_active = False
        alice.save()
    commit_writes()
    assert api("/api/v1/me/").status_code == 403  # refused (DRF: 403 after session auth)


def test_a_new_snapshot_is_answered_at_once(api, alpha):
    assert api("/api/v1/kpis/?period=2026-10").json()["kpis"]["leads"] == 7
    with schema_context(alpha.schema_name):
        from smarketing.kpis.models import KpiSnapshot

        KpiSnapshot.objects.filter(label="2026-10").update(kpis={"leads": 8})
    commit_writes()
    assert api("/api/v1/kpis/?period=2026-10").json()["kpis"]["leads"] == 8


@pytest.fixture
def signed_in(alpha, bob_client):
    """Bob's browser, once every fixture row (his session too) is committed."""
    with schema_context(alpha.schema_name):
        workspace_settings_read()
    commit_writes()
    return bob_client


def test_the_session_and_its_person_are_read_once_per_version(signed_in):
    assert signed_in.get("/notifications/").status_code == 200
    assert reads(lambda: signed_in.get("/notifications/"), "django_session") == 0
    assert reads(lambda: signed_in.get("/notifications/"), "accounts_user") == 0


def test_a_deactivated_person_is_signed_out_at_once(signed_in, alpha, bob):
    assert signed_in.get("/notifications/").status_code == 200
    with schema_context(alpha.schema_name):
        bob.is_active = False
        bob.save()
    commit_writes()
    assert signed_in.get("/notifications/").status_code == 302  # to the sign-in page


def test_an_expired_session_is_never_used(signed_in, monkeypatch):
    from django.utils import timezone

    assert signed_in.get("/notifications/").status_code == 200
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert signed_in.get("/notifications/").status_code == 302
