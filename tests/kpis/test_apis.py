"""KPI API: same numbers as the command, snapshots first, and nothing crosses workspaces."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from smarketing.kpis import services
from tests.conftest import ALPHA_HOST, client_for

from .conftest import at, deal, lead, traffic

pytestmark = pytest.mark.django_db


def alpha_data(alpha):
    with schema_context(alpha.schema_name):
        lead("A1", created_at="2025-01-10", mql_at="2025-01-12", source="paid_social")
        lead("A2", created_at="2025-02-10", source="organic_search")
        traffic("2025-01-10", "paid_social", 200)


def test_kpis_api_returns_the_section_6_shape_by_source(alpha, alice_client):
    alpha_data(alpha)
    response = alice_client.get("/api/v1/kpis/?period=2025-Q1&by=source")
    assert response.status_code == 200
    body = response.json()
    assert body["workspace"] == "alpha"
    assert body["period"] == {
        "start": "2025-01-01T00:00:00+00:00",
        "end": "2025-04-01T00:00:00+00:00",
    }
    assert body["kpis"]["leads"] == 2
    assert body["kpis"]["traffic_to_lead_rate"] == 0.01  # 2 / 200
    assert body["by_source"]["paid_social"]["lead_to_mql_rate"] == 1.0
    assert body["computed"] == "live"  # no snapshot yet


def test_kpis_api_reads_the_snapshot_when_one_exists(alpha, alice_client, monkeypatch):
    alpha_data(alpha)
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2025, 4, 2, tzinfo=UTC))
    with schema_context(alpha.schema_name):
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=5, start=at("2025-01-01"), end=at("2025-03-01")
        )
        services.kpi_snapshot_refresh(job=job)
        # Data added after the snapshot is not seen until the next refresh.
        lead("A3", created_at="2025-02-11")
    body = alice_client.get("/api/v1/kpis/?period=2025-Q1").json()
    assert body["computed"] == "snapshot"
    assert body["kpis"]["leads"] == 2
    assert body["snapshot"]["import_ids"] == [5]
    assert "by_source" not in body


def test_kpis_api_rejects_bad_input_with_400(alice_client):
    response = alice_client.get("/api/v1/kpis/?period=2025-Q7")
    assert response.status_code == 400
    assert "2025-Q1" in response.json()["period"][0]
    assert alice_client.get("/api/v1/kpis/?period=2025&by=team").status_code == 400
    assert alice_client.get("/api/v1/kpis/").status_code == 400


def test_series_reads_snapshots_per_month_and_source(alpha, bob_client, monkeypatch):
    alpha_data(alpha)
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2025, 3, 2, tzinfo=UTC))
    with schema_context(alpha.schema_name):
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2025-01-01"), end=at("2025-01-02")
        )
        services.kpi_snapshot_refresh(job=job)
    response = bob_client.get(
        "/api/v1/kpis/series/?kpi=leads&grain=month&from=2024-12&to=2025-03-15&by=source"
    )
    assert response.status_code == 200
    body = response.json()
    assert [(p["period"], p["value"]) for p in body["points"]] == [
        ("2024-12", None),  # never computed
        ("2025-01", 1),
        ("2025-02", 1),
        ("2025-03", 0),
    ]
    assert body["by_source"]["paid_social"] == [None, 1, 0, 0]
    assert body["by_source"]["organic_search"] == [None, 0, 1, 0]


def test_anomalies_api_lists_spikes_with_baseline(alpha, alice_client):
    from smarketing.kpis.models import KpiSnapshot
    from smarketing.kpis.selectors.context import kpi_period_parse

    with schema_context(alpha.schema_name):
        # Monthly leads: eight ordinary months, then a spike (baseline as in the pure tests).
        for month, leads in zip(range(1, 10), [10, 12, 11, 13, 12, 11, 10, 12, 20], strict=True):
            period = kpi_period_parse(f"2024-{month:02d}")
            KpiSnapshot.objects.create(
                grain="month",
                label=period.label,
                period_start=period.start,
                period_end=period.end,
                kpis={"leads": leads},
                computed_at=period.end,
                definitions_version=1,
            )
    body = alice_client.get("/api/v1/kpis/anomalies/?grain=month&from=2024-01&to=2024-09").json()
    assert body["anomalies"] == [
        {
            "kpi": "leads",
            "period": "2024-09",
            "value": 20.0,
            "direction": "spike",
            "baseline_median": 11.5,
            "mad": 0.5,
            "robust_z": 11.4665,
            "deviation": 8.5,
            "baseline_periods": 8,
        }
    ]


def test_planner_api_uses_the_trailing_twelve_months(alpha, alice_client):
    with schema_context(alpha.schema_name):
        # Trailing 12 months of 2025-Q3: [2024-07-01, 2025-07-01).
        for amount, status in (("5000", "won"), ("15000", "won"), ("1", "lost"), ("1", "lost")):
            deal(status=status, amount=amount, created_at="2025-01-01", closed_at="2025-02-01")
        lead(created_at="2025-01-05", mql_at="2025-01-06", sql_at="2025-01-07",
             opportunity_at="2025-01-08", customer_at="2025-01-09")  # fmt: skip
        lead(created_at="2025-01-05", mql_at="2025-01-06")
        lead(created_at="2025-01-05")
        lead(created_at="2025-01-05")
        lead(created_at="2024-06-30")  # before the trailing window
        traffic("2025-03-01", "paid_social", 400)
    body = alice_client.get("/api/v1/planner/?revenue=100000&period=2025-Q3").json()
    # ADS 10,000, win 0.5, opp→customer 1, SQL→opp 1, MQL→SQL 0.5, lead→MQL 0.5, traffic 0.01.
    assert body["rates"]["average_deal_size"] == 10000.0
    assert body["figures"] == {
        "won_deals": 10,
        "deals": 20,
        "opportunities": 10,
        "sqls": 10,
        "mqls": 20,
        "leads": 40,
        "sessions": 4000,
    }
    assert body["per_month"]["sessions"] == 1334  # 4000 / 3 rounded up
    assert body["messages"] == []
    assert alice_client.get("/api/v1/planner/?revenue=1&period=2025-W10").status_code == 400


def test_compute_kpis_command_prints_section_6_json(alpha):
    alpha_data(alpha)
    out = io.StringIO()
    call_command(
        "compute_kpis", "alpha", "--period", "2025-Q1", "--by", "source", "--json", stdout=out
    )
    body = json.loads(out.getvalue())
    assert list(body) == ["workspace", "period", "kpis", "by_source"]
    assert body["workspace"] == "alpha" and body["kpis"]["leads"] == 2
    assert body["by_source"]["organic_search"]["leads"] == 1
    out = io.StringIO()
    call_command(
        "compute_kpis", "alpha", "--period", "2025-01", "--by", "owner", "--json", stdout=out
    )
    assert list(json.loads(out.getvalue())) == ["workspace", "period", "kpis", "by_owner"]
    table = io.StringIO()
    call_command("compute_kpis", "alpha", "--period", "2025-Q1", stdout=table)
    assert "lead_to_mql_rate" in table.getvalue() and "0.5" in table.getvalue()


def test_plan_funnel_command_explains_missing_rates(alpha):
    out, err = io.StringIO(), io.StringIO()
    call_command("plan_funnel", "alpha", "--revenue", "1000000", "--period", "2025-Q3",
                 stdout=out, stderr=err)  # fmt: skip
    assert "average_deal_size is missing" in err.getvalue()
    assert "won_deals" in out.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/kpis/?period=2025-Q1&by=source",
        "/api/v1/kpis/series/?kpi=leads&grain=month&from=2025-01&to=2025-03",
        "/api/v1/kpis/anomalies/?grain=month&from=2025-01&to=2025-03",
        "/api/v1/kpis/stability/?month=2025-03",
        "/api/v1/kpis/jobs/",
        "/api/v1/planner/?revenue=1000&period=2025-Q3",
    ],
)
def test_kpi_endpoints_are_isolated_between_workspaces(url, alpha, beta, charlie, charlie_client,
                                                       monkeypatch):  # fmt: skip
    alpha_data(alpha)
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2025, 3, 2, tzinfo=UTC))
    with schema_context(alpha.schema_name):
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=1, start=at("2025-01-01"), end=at("2025-01-02")
        )
        services.kpi_snapshot_refresh(job=job)
    # Charlie on his own host sees only beta's (empty) data.
    body = charlie_client.get(url).json()
    assert "paid_social" not in json.dumps(body)
    assert body != [] or url.endswith("jobs/")  # beta has no jobs
    if url.endswith("jobs/"):
        assert body == []
    if "period=2025-Q1" in url:
        assert body["kpis"]["leads"] == 0
    # Charlie's session means nothing on alpha's host, and anonymous callers are refused.
    charlie_on_alpha = client_for(ALPHA_HOST)
    charlie_on_alpha.cookies = charlie_client.cookies
    assert charlie_on_alpha.get(url).status_code in (401, 403)
    assert client_for(ALPHA_HOST).get(url).status_code in (401, 403)


def test_refresh_api_is_for_admins(alice_client, bob_client, django_capture_on_commit_callbacks):
    assert bob_client.post("/api/v1/kpis/jobs/refresh/").status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.post("/api/v1/kpis/jobs/refresh/")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/kpis/?period=9999-W52",
        "/api/v1/kpis/series/?kpi=leads&grain=week&from=9999-12-30&to=9999-12-30",
        "/api/v1/kpis/series/?kpi=leads&grain=month&from=9999-12-01&to=9999-12-01",
        "/api/v1/kpis/anomalies/?grain=month&from=0001-01-01&to=0001-02-01",
        "/api/v1/kpis/stability/?month=0001-01",
        "/api/v1/planner/?revenue=1000&period=0001",
    ],
)
def test_periods_at_the_ends_of_the_calendar_are_refused_with_400(alice_client, url):
    """Each of these answered 500 (date arithmetic overflowed past year 1 or 9999)."""
    alice_client.raise_request_exception = False
    response = alice_client.get(url)
    assert response.status_code == 400, response.content
    assert "outside 1900-2199" in json.dumps(response.json())


def test_a_plain_date_in_a_series_is_the_period_holding_it(alpha, alice_client):
    response = alice_client.get(
        "/api/v1/kpis/series/?kpi=leads&grain=month&from=2025-01-15&to=2025-02-03"
    )
    assert response.status_code == 200
    assert [point["period"] for point in response.json()["points"]] == ["2025-01", "2025-02"]
