"""Dashboard and KPI pages read snapshots only, and only the workspace's own."""

from datetime import UTC, datetime

import pytest
from django_tenants.utils import schema_context

from smarketing.kpis import services
from tests.kpis.conftest import at, lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_snapshots(alpha):
    with schema_context(alpha.schema_name):
        lead(created_at="2026-10-05", source="alpha_only_source")
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2026-10-01"), end=at("2026-10-02")
        )
        services.kpi_snapshot_refresh(job=job, until=datetime(2026, 11, 1, tzinfo=UTC))


def test_dashboard_shows_the_latest_snapshot_with_charts(alpha_snapshots, bob_client, monkeypatch):
    monkeypatch.setattr(
        "smarketing.dashboard.views.timezone.now", lambda: datetime(2026, 10, 20, tzinfo=UTC)
    )
    page = bob_client.get("/")
    assert page.status_code == 200
    assert page.context["latest_period"].label == "2026-10"
    assert page.context["headline"][0] == {"label": "Leads", "value": 1}
    assert b"chart.umd.min.js" in page.content and b"kpi-charts" in page.content


def test_kpi_page_lists_every_kpi_by_source(alpha_snapshots, bob_client):
    page = bob_client.get("/kpis/?period=2026-10")
    assert page.status_code == 200
    assert b"alpha_only_source" in page.content
    assert any(row["key"] == "leads" and row["total"] == 1 for row in page.context["rows"])
    assert b"not a period" in bob_client.get("/kpis/?period=soon").content


def test_pages_of_another_workspace_show_nothing_of_alpha(alpha_snapshots, charlie_client):
    home = charlie_client.get("/")
    assert home.status_code == 200 and home.context["latest"] is None
    page = charlie_client.get("/kpis/?period=2026-10")
    assert b"alpha_only_source" not in page.content and page.context["snapshot"] is None


def test_pages_need_a_sign_in(alpha_snapshots, client):
    from tests.conftest import ALPHA_HOST, client_for

    response = client_for(ALPHA_HOST).get("/kpis/?period=2026-10")
    assert response.status_code == 302
