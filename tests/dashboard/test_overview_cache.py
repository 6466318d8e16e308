"""The overview's content is kept while nothing it shows changed (smarketing/dashboard/
content_cache.py): the kept page equals the computed one; any committed write, a new day, another
role or another workspace shows the page computed again; nonces and CSRF tokens stay per
response."""

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from smarketing.configuration.selectors import workspace_settings_read
from smarketing.configuration.services import workspace_settings_update
from smarketing.core.periods import Grain
from smarketing.dashboard.content_cache import NONCE_PLACEHOLDER, content_get, content_set
from smarketing.dashboard.maturity import maturity_changes_after
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import KpiSnapshot
from tests.conftest import ALPHA_HOST, BETA_HOST, client_for, commit_writes
from tests.dashboard.conftest import NOW, closed_pulse, nps_answers, stored_snapshot
from tests.factories.slas import sla_make

pytestmark = pytest.mark.django_db

MAIN = re.compile(r'<main id="main" tabindex="-1">(.*)</main>', re.S)


def main_of(page) -> str:
    assert page.status_code == 200
    return MAIN.search(page.content.decode()).group(1)


def snapshot_reads(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return sum('FROM "kpis_kpisnapshot"' in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def history(alpha, beta, frozen_now):
    for workspace in (alpha, beta):
        with schema_context(workspace.schema_name):
            workspace_settings_read()  # the first page would create the row: a write
    with schema_context(alpha.schema_name):
        stored_snapshot("2026-10", leads=7, mqls=3, revenue=100.0)
        stored_snapshot("2026-09", leads=5, mqls=2, revenue=50.0)
        stored_snapshot("2026-Q3", mql_rejection_rate=0.2)
        nps_answers([10, 10, 9, 7, 3], "2026-08-15")


@pytest.fixture
def viewer(history, bob_client):
    """Bob's browser, once every row the fixtures wrote is committed."""
    commit_writes()
    return bob_client


def test_the_kept_page_equals_the_computed_one(viewer):
    bob_client = viewer
    with override_settings(CONTENT_CACHE_SECONDS=0):
        computed = main_of(bob_client.get("/?period=2026-10"))
    first = main_of(bob_client.get("/?period=2026-10"))
    reads = snapshot_reads(lambda: main_of(bob_client.get("/?period=2026-10")))
    kept = main_of(bob_client.get("/?period=2026-10"))
    assert computed == first == kept
    assert reads == 0  # the second request computed nothing


def test_an_uncommitted_write_is_never_kept(viewer, alpha):
    bob_client = viewer
    with schema_context(alpha.schema_name):
        stored_snapshot("2026-08", leads=1)  # written, not committed: no version stands
    assert snapshot_reads(lambda: bob_client.get("/?period=2026-10")) > 0
    assert snapshot_reads(lambda: bob_client.get("/?period=2026-10")) > 0


def _change_settings(alpha):
    with schema_context(alpha.schema_name):
        workspace_settings_update(changes={"currency": "EUR"})


def _change_weights(alpha):
    with schema_context(alpha.schema_name):
        row = workspace_settings_read()
        row.alignment_weights = {**row.alignment_weights, "handoff_acceptance": 0}
        row.save()


def _new_snapshot(alpha):
    with schema_context(alpha.schema_name):
        KpiSnapshot.objects.filter(grain=Grain.MONTH, label="2026-10").delete()
        stored_snapshot("2026-10", leads=8, mqls=4, revenue=999.0)


def _snapshot_refresh(alpha):
    with schema_context(alpha.schema_name):
        job = kpi_services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=NOW - timedelta(days=60), end=NOW - timedelta(days=59)
        )
        kpi_services.kpi_snapshot_refresh(job=job)


def _new_sla(alpha):
    with schema_context(alpha.schema_name):
        sla_make()


def _released_pulse(alpha):
    with schema_context(alpha.schema_name):
        closed_pulse(
            "2026-09-20T12:00:00", {"marketing": [[4], [4], [5]], "sales": [[2], [3], [2]]}
        )


@pytest.mark.parametrize(
    "write",
    [
        _change_settings,
        _change_weights,
        _new_snapshot,
        _snapshot_refresh,
        _new_sla,
        _released_pulse,
    ],
)
def test_a_committed_write_shows_on_the_next_request(viewer, alpha, write):
    bob_client = viewer
    before = main_of(bob_client.get("/?period=2026-10"))
    assert snapshot_reads(lambda: bob_client.get("/?period=2026-10")) == 0  # kept
    write(alpha)
    commit_writes()
    after = main_of(bob_client.get("/?period=2026-10"))
    with override_settings(CONTENT_CACHE_SECONDS=0):
        assert after == main_of(bob_client.get("/?period=2026-10"))
    assert after != before


def test_roles_see_their_own_content(history, alice_client, bob_client):
    commit_writes()
    assert "Change the weights" not in main_of(bob_client.get("/"))
    assert snapshot_reads(lambda: bob_client.get("/")) == 0
    assert "Change the weights" in main_of(alice_client.get("/"))
    assert "Change the weights" not in main_of(bob_client.get("/"))


def test_two_workspaces_never_share_an_entry(history, bob_client, charlie):
    charlie_client = client_for(BETA_HOST, charlie)
    commit_writes()
    alpha_page = main_of(bob_client.get("/?period=2026-10"))
    beta_page = main_of(charlie_client.get("/?period=2026-10"))
    assert "Alpha · Overview" in alpha_page and "Beta · Overview" in beta_page
    assert "$100.00" in alpha_page and "$100.00" not in beta_page


def test_a_new_day_computes_the_page_again(viewer, monkeypatch):
    bob_client = viewer
    from django.utils import timezone

    bob_client.get("/")
    assert snapshot_reads(lambda: bob_client.get("/")) == 0
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(days=1))
    assert snapshot_reads(lambda: bob_client.get("/")) > 0


def test_a_kept_page_carries_a_csrf_token_of_its_own_session(alice_client, viewer):
    pages = [viewer.get("/"), viewer.get("/"), alice_client.get("/"), alice_client.get("/")]
    assert snapshot_reads(lambda: viewer.get("/")) == 0  # kept
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        for page in pages
    ]
    assert len(set(tokens)) == 4  # masked anew for each response
    # Each unmasks to the secret of its own browser's CSRF cookie.
    for token, client in zip(tokens, [viewer, viewer, alice_client, alice_client], strict=True):
        assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value
    assert viewer.cookies["csrftoken"].value != alice_client.cookies["csrftoken"].value


def test_a_page_showing_a_message_is_not_kept(viewer):
    viewer.get("/")  # kept
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.SUCCESS, "Shown once")
    carrier = HttpResponse()
    storage.update(carrier)
    viewer.cookies["messages"] = carrier.cookies["messages"].value
    assert "Shown once" in viewer.get("/").content.decode()
    assert "Shown once" not in viewer.get("/").content.decode()


def test_a_kept_nonce_is_the_responses_own_and_csrf_content_is_not_kept(alpha):
    factory = RequestFactory(HTTP_HOST=ALPHA_HOST)
    storing = factory.get("/")
    storing._csp_nonce = "nonce-one"
    content_set(storing, "k", '<script nonce="nonce-one"></script>', valid_until=None)
    reading = factory.get("/")
    reading.csp_nonce = "nonce-two"
    assert content_get(reading, "k") == '<script nonce="nonce-two"></script>'
    assert NONCE_PLACEHOLDER not in content_get(reading, "k")
    content_set(storing, "csrf", '<input name="csrfmiddlewaretoken" value="x">', valid_until=None)
    assert content_get(reading, "csrf") is None


def test_a_maturing_flag_ends_the_entry_when_it_changes():
    end = NOW - timedelta(days=3)
    medians = {"stage_days_median.mql_to_sql": 5.5, "sales_cycle_days_median": 2.0}
    assert maturity_changes_after(period_end=end, now=NOW, medians=medians) == end + timedelta(
        days=5.5
    )
    assert maturity_changes_after(period_end=end, now=NOW, medians={"x": 1.0}) is None
