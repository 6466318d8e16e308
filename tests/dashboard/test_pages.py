"""Dashboard, KPI and planner pages: snapshots only, the right default month, figures formatted
for people, and only the workspace's own data."""

from datetime import UTC, date, datetime

import pytest
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, period_containing
from smarketing.kpis import services
from smarketing.kpis.models import KpiSnapshot
from smarketing.kpis.selectors import snapshots
from tests.conftest import ALPHA_HOST, client_for
from tests.factories.slas import kpi_target_make
from tests.kpis.conftest import at, deal, lead

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)  # November is in progress; October is complete


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(snapshots.timezone, "now", lambda: NOW)
    monkeypatch.setattr(services.timezone, "now", lambda: NOW)


@pytest.fixture
def alpha_snapshots(alpha, frozen_now):
    """September: 1 lead. October: 2 leads (one MQL, SQL later), a won deal of 1,234.50."""
    with schema_context(alpha.schema_name):
        lead(created_at="2026-09-10", source="alpha_only_source")
        lead(created_at="2026-10-05", mql_at="2026-10-06", sql_at="2026-10-08")
        lead(created_at="2026-10-07")
        deal(status="won", amount="1234.50", created_at="2026-10-01", closed_at="2026-10-20")
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2026-09-01"), end=at("2026-09-02")
        )
        services.kpi_snapshot_refresh(job=job)


def month_snapshot(label: str, **kpis) -> None:
    """A hand-written monthly snapshot holding only the given KPIs."""
    year, month = map(int, label.split("-"))
    period = period_containing(Grain.MONTH, date(year, month, 1), UTC)
    KpiSnapshot.objects.create(
        grain="month",
        label=label,
        period_start=period.start,
        period_end=period.end,
        kpis=kpis,
        computed_at=NOW,
        definitions_version=1,
    )


def test_dashboard_defaults_to_the_last_complete_month_not_the_empty_current_one(
    alpha_snapshots, bob_client
):
    page = bob_client.get("/")
    assert page.status_code == 200
    assert page.context["month"].label == "2026-10"
    assert page.context["current_month"].label == "2026-11"
    headline = {item["key"]: item for item in page.context["headline"]}
    assert (headline["leads"]["value"], headline["leads"]["previous"]) == (2, 1)
    html = page.content.decode()
    assert "<strong>2026-10</strong> · the latest complete month with data" in html
    assert "$1,234.50" in html  # revenue, with the currency and two decimals
    assert "100.0%" in html  # MQL → SQL: 1 of 1
    assert "▲ +100.0% vs 2026-09" in html  # leads 1 → 2
    assert "2026-11 so far (month to date)" in html


def test_dashboard_charts_plot_the_twelve_complete_months(alpha_snapshots, bob_client):
    charts = bob_client.get("/").context["charts_json"]
    labels = charts["labels"]
    assert labels[0] == "2025-11" and labels[-1] == "2026-10" and len(labels) == 12
    leads = charts["charts"][0][0]
    assert leads["label"] == "Leads" and leads["data"][-2:] == [1, 2]


def test_dashboard_lists_anomalies_targets_and_stability(alpha, frozen_now, bob_client):
    leads = [10, 12, 10, 11, 10, 12, 11, 10, 40]  # February … October
    rates = {"2026-05": 0.2, "2026-06": 0.4, "2026-07": 0.2, "2026-08": 0.4, "2026-09": 0.2}
    with schema_context(alpha.schema_name):
        for number, value in enumerate(leads, start=2):
            label = f"2026-{number:02d}"
            month_snapshot(label, leads=value, mql_to_sql_rate=rates.get(label, 0.4))
        kpi_target_make("leads", ">=", 50)
        kpi_target_make("mql_to_sql_rate", ">=", "0.3")
    page = bob_client.get("/")
    # Baseline February–September: median 10.5, MAD 0.5, z = 0.6745 × 29.5 / 0.5 = 39.8.
    [anomaly] = page.context["anomalies"]
    assert (anomaly["kpi"], anomaly["period"], anomaly["direction"]) == (
        "leads",
        "2026-10",
        "spike",
    )
    html = page.content.decode()
    assert 'href="/kpis/?period=2026-10">Leads in 2026-10</a>' in html
    assert "against a median of 10.5 over the 8 months before" in html
    assert "+29.5, robust z 39.8" in html
    targets = {item["key"]: item["met"] for item in page.context["targets"]}
    assert targets == {"leads": False, "mql_to_sql_rate": True}
    assert "target-missed" in html and "status-met" in html
    # MQL → SQL over May–October: 0.2, 0.4, 0.2, 0.4, 0.2, 0.4 → mean 0.3, σ 0.1, CV 33.3%.
    [stability] = [item for item in page.context["stability"] if item["kpi"] == "mql_to_sql_rate"]
    assert stability["verdict"] == "unstable" and "33.3%" in html


def test_kpi_page_defaults_to_the_last_complete_month_and_formats_values(
    alpha_snapshots, bob_client
):
    page = bob_client.get("/kpis/")
    assert page.status_code == 200 and page.context["period"].label == "2026-10"
    html = page.content.decode()
    assert "The latest complete month with data." in html
    assert "alpha_only_source" in html
    assert "$1,234.50" in html and "100.0%" in html
    assert 'class="table-scroll"' in html
    assert any(row["key"] == "leads" and row["total"] == 2 for row in page.context["rows"])
    assert b"not a period" in bob_client.get("/kpis/?period=soon").content


def test_kpi_page_marks_the_month_in_progress(alpha_snapshots, bob_client):
    page = bob_client.get("/kpis/?period=2026-11")
    assert page.context["complete"] is False
    assert "is not over: figures are to date" in page.content.decode()


def test_pages_of_another_workspace_show_nothing_of_alpha(alpha_snapshots, charlie_client):
    home = charlie_client.get("/")
    assert home.status_code == 200 and home.context["snapshot"] is None
    page = charlie_client.get("/kpis/?period=2026-10")
    assert b"alpha_only_source" not in page.content and page.context["snapshot"] is None


def test_pages_need_a_sign_in(alpha_snapshots):
    for path in ("/", "/kpis/?period=2026-10", "/kpis/planner/"):
        assert client_for(ALPHA_HOST).get(path).status_code == 302


# --- Goal planner --------------------------------------------------------------------------


@pytest.fixture
def planner_history(alpha):
    """The 12 months before 2026-Q4 (October 2025 – September 2026), hand-made:
    4 leads in March, 2 become MQLs, both SQLs, one an opportunity and customer; a won deal of
    3,000 and a lost one; 40 sessions."""
    from tests.kpis.conftest import traffic

    with schema_context(alpha.schema_name):
        for index in range(4):
            stages = {}
            if index < 2:
                stages = {"mql_at": "2026-03-05", "sql_at": "2026-03-08"}
            if index == 0:
                stages |= {"opportunity_at": "2026-03-10", "customer_at": "2026-04-01"}
            lead(f"P{index}", created_at="2026-03-02", **stages)
        deal(status="won", amount="3000", created_at="2026-03-10", closed_at="2026-04-01")
        deal(status="lost", amount="500", created_at="2026-03-10", closed_at="2026-04-02")
        traffic("2026-03-01", "paid_social", 40)


def test_planner_works_back_from_the_revenue_target(planner_history, bob_client):
    page = bob_client.get("/kpis/planner/?revenue=30000&period=2026-Q4")
    assert page.status_code == 200
    rows = {row["figure"]: row for row in page.context["rows"]}
    # 30,000 / 3,000 = 10 won; / win rate 1/2 = 20 deals; / opp→customer 1 = 10 opportunities;
    # / SQL→opp 1/2 = 20 SQLs; / MQL→SQL 1 = 20 MQLs; / lead→MQL 1/2 = 40 leads;
    # / traffic→lead 4/40 = 400 sessions. Per month: a third, rounded up.
    expected = {
        "won_deals": (10, 4),
        "deals": (20, 7),
        "opportunities": (10, 4),
        "sqls": (20, 7),
        "mqls": (20, 7),
        "leads": (40, 14),
        "sessions": (400, 134),
    }
    assert {key: (row["total"], row["per_month"]) for key, row in rows.items()} == expected
    html = page.content.decode()
    assert "$30,000.00 in 2026-Q4" in html and "$3,000.00" in html and "50.0%" in html
    assert page.context["plan_messages"] == []


def test_planner_says_which_rate_is_missing(alpha, bob_client):
    with schema_context(alpha.schema_name):
        lead(created_at="2026-03-02")  # a lead, but no deal and no traffic
    page = bob_client.get("/kpis/planner/?revenue=1000&period=2026-Q4")
    messages = page.context["plan_messages"]
    assert messages[0].startswith(
        "Average deal size could not be measured (no data) in the 12 months before 2026-Q4:"
        " Won deals cannot be worked out, nor any figure below it."
    )
    assert "Lead → MQL was 0 in the 12 months before 2026-Q4" in " ".join(messages)
    assert "missing" in page.content.decode()


def test_planner_form_rejects_a_week_and_a_negative_target(alpha, bob_client):
    page = bob_client.get("/kpis/planner/?revenue=1000&period=2026-W10")
    assert "plan for a year, a quarter or a month" in page.content.decode()
    page = bob_client.get("/kpis/planner/?revenue=-5&period=2026-Q4")
    assert "revenue" in page.context["form"].errors and "plan" not in page.context


def test_planner_form_starts_with_the_quarter_in_progress(alpha, frozen_now, bob_client):
    page = bob_client.get("/kpis/planner/")
    assert page.context["form"].initial["period"] == "2026-Q4"


def test_planner_of_another_workspace_uses_only_its_own_data(planner_history, charlie_client):
    page = charlie_client.get("/kpis/planner/?revenue=30000&period=2026-Q4")
    assert page.status_code == 200
    assert all(row["total"] is None for row in page.context["rows"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/kpis/?period=0001-01", "the year 1 is outside 1900-2199"),
        ("/kpis/planner/?revenue=1000&period=0001", "the year 1 is outside 1900-2199"),
    ],
)
def test_kpi_pages_explain_a_period_out_of_range(alice_client, url, message):
    """Both pages answered 500 for year 1 (the period before it does not exist)."""
    alice_client.raise_request_exception = False
    response = alice_client.get(url)
    assert response.status_code == 200
    assert message in response.content.decode()
