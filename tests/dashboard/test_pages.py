"""KPI and planner pages: snapshots only, the right default month, figures formatted for
people, and only the workspace's own data."""

import pytest
from django_tenants.utils import schema_context

from smarketing.kpis import services
from smarketing.kpis.definitions import SCALAR_KPI_KEYS
from tests.conftest import ALPHA_HOST, client_for
from tests.dashboard.conftest import stored_snapshot
from tests.kpis.conftest import at, deal, lead

pytestmark = pytest.mark.django_db


def rows_of(page) -> dict:
    return {row["key"]: row for section in page.context["sections"] for row in section["rows"]}


def test_kpi_page_defaults_to_the_last_complete_month_and_formats_values(
    alpha_snapshots, bob_client
):
    page = bob_client.get("/kpis/")
    assert page.status_code == 200 and page.context["filter"].period.label == "2026-10"
    html = page.content.decode()
    assert "the latest complete month with data" in html
    assert "alpha_only_source" in html
    assert "$1,234.50" in html and "100.0%" in html
    # No box scrolls both ways: the KPIs are rows of one table, sources rows of another.
    assert 'class="table-scroll"' not in html
    rows = rows_of(page)
    assert (rows["leads"]["value"], rows["leads"]["previous"]) == (2, 1)
    # Every KPI of the registry is listed, each once.
    keys = [row["key"] for section in page.context["sections"] for row in section["rows"]]
    assert sorted(keys) == sorted(SCALAR_KPI_KEYS)
    assert b"not a period" in bob_client.get("/kpis/?period=soon").content
    # The figures link the shared definitions they were counted by (the glossary).
    assert 'href="/glossary/">definitions v1</a>' in html


def test_kpi_page_compares_with_the_same_period_last_year(alpha, frozen_now, bob_client):
    with schema_context(alpha.schema_name):
        stored_snapshot("2026-10", leads=12)
        stored_snapshot("2026-09", leads=10)
        stored_snapshot("2025-10", leads=6)
    page = bob_client.get("/kpis/?period=2026-10")
    assert page.context["last_year_period"].label == "2025-10"
    leads = rows_of(page)["leads"]
    assert (leads["value"], leads["previous"], leads["last_year"]) == (12, 10, 6)
    assert "▲ +100.0%" in page.content.decode()  # 6 → 12


def test_kpi_page_shows_chosen_sources_and_group(alpha_snapshots, alpha, bob_client):
    with schema_context(alpha.schema_name):
        lead(created_at="2026-10-09", source="second_source")
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2026-10-09"), end=at("2026-10-10")
        )
        services.kpi_snapshot_refresh(job=job)
    page = bob_client.get("/kpis/?period=2026-10&group=volumes&sources=second_source")
    [section] = page.context["sections"]
    assert section["key"] == "volumes"
    assert [source for source, *_ in section["sources"]] == ["second_source"]
    assert section["sources"][0][1][0] == 1  # one lead


def test_a_year_is_read_from_its_snapshot(alpha_snapshots, bob_client):
    page = bob_client.get("/kpis/?period=2026")
    assert page.context["figures"]["computed"] == "snapshot"
    assert rows_of(page)["leads"]["value"] == 3


def test_an_explicit_range_is_computed_once_per_snapshot_version(
    alpha_snapshots, bob_client, django_assert_max_num_queries
):
    path = "/kpis/?period=2026-09-15..2026-10-15"
    first = bob_client.get(path)
    assert first.context["figures"]["computed"] == "range"
    assert first.context["filter"].period.label == "[2026-09-15, 2026-10-15)"
    assert rows_of(first)["leads"]["value"] == 2  # 10 September is before the range
    kpi_statements = []

    def spy(execute, sql, params, many, context):
        if "GROUPING SETS" in sql:
            kpi_statements.append(sql)
        return execute(sql, params, many, context)

    from django.db import connection

    with connection.execute_wrapper(spy):
        again = bob_client.get(path)
    assert rows_of(again)["leads"]["value"] == 2 and kpi_statements == []


def test_kpi_page_marks_the_month_in_progress(alpha_snapshots, bob_client):
    page = bob_client.get("/kpis/?period=2026-11")
    assert page.context["filter"].in_progress is True
    assert "figures to date, still changing" in page.content.decode()


def test_pages_of_another_workspace_show_nothing_of_alpha(alpha_snapshots, charlie_client):
    home = charlie_client.get("/?period=2026-10")
    assert home.status_code == 200 and home.context["figures"] is None
    assert b"alpha_only_source" not in home.content
    page = charlie_client.get("/kpis/?period=2026-10")
    assert b"alpha_only_source" not in page.content and page.context["figures"] is None


def test_pages_need_a_sign_in(alpha_snapshots):
    for path in ("/", "/kpis/?period=2026-10", "/kpis/planner/"):
        assert client_for(ALPHA_HOST).get(path).status_code == 302


COCKPIT_PAGES = ["/", "/funnel/", "/sources/", "/marketing/", "/sales/", "/kpis/", "/reasons/"]
PERIODS_AT_THE_ENDS = [
    "1900", "2199", "1900-01", "2199-12", "1900-Q1", "2199-Q4", "1900-W01", "2199-W52",
    "[1900-01-01, 2200-01-01)", "[1900-01-01, 1900-01-02)", "[2199-12-31, 2200-01-01)",
]  # fmt: skip


@pytest.mark.parametrize("path", [*COCKPIT_PAGES, "/report/", "/kpis/planner/?revenue=1000"])
def test_pages_answer_for_periods_at_the_ends_of_the_range(alpha, bob_client, path):
    """The year before 1900 and after 2199 are out of range as typed input, but pages compare
    with them (previous period, same period last year): a range in 1900 answered 500."""
    answers = {
        period: bob_client.get(path, {"period": period}).status_code
        for period in PERIODS_AT_THE_ENDS
    }
    assert {period: code for period, code in answers.items() if code != 200} == {}


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


def test_sources_page_marks_young_cohorts_and_says_why_a_cost_is_missing(
    alpha, frozen_now, bob_client
):
    """October's leads have had 20 days; the usual lead → customer time is 60 days: the
    column is "maturing". A source with spend and no customer has no CAC for want of
    customers; a source without spend rows for want of spend data."""
    from smarketing.kpis.models import KpiSnapshot

    with schema_context(alpha.schema_name):
        for label in ("2026-Q1", "2026-Q2", "2026-Q3"):
            stored_snapshot(label, sales_cycle_days_median=60.0)
        stored_snapshot("2026-10", leads=2)
        blocks = {
            "paid_search": {"leads": 2, "spend": 500.0, "cost_per_lead": 250.0,
                            "customer_acquisition_cost": None, "lead_to_customer_rate": 0.0},
            "organic_search": {"leads": 0, "spend": None, "cost_per_lead": None,
                               "customer_acquisition_cost": None},
        }  # fmt: skip
        KpiSnapshot.objects.filter(label="2026-10").update(by_source=blocks)
    page = bob_client.get("/sources/?period=2026-10")
    assert page.context["maturing"] == {"lead_to_customer_rate"}
    html = page.content.decode()
    assert 'data-label="Lead → customer (maturing)"' in html
    assert "Lead → customer by source (maturing cohort)" in html
    rows = {row["source"]: row for row in page.context["rows"]}
    assert rows["paid_search"]["spend"] == 500.0 and rows["organic_search"]["spend"] is None
    assert html.count("no new customers") == 1
    assert html.count("no spend data") == 3  # organic: spend, cost per lead, CAC
    # The table stacks on a phone instead of scrolling sideways in a box.
    assert 'class="compact source-table figures stack wrap-head"' in html
    assert "Sources, 2026-10" not in html


@pytest.mark.parametrize(
    ("path", "current"),
    [("/slas/new/", "SLAs"), ("/slas/from-goal/", "SLAs"), ("/glossary/new/", "Glossary")],
)
def test_pages_under_a_navigation_entry_mark_it_current(alpha, alice_client, path, current):
    page = alice_client.get(path)
    assert [item["label"] for item in page.context["navigation"] if item["current"]] == [current]


def test_kpi_page_marks_young_cohorts_maturing(alpha, frozen_now, bob_client):
    # October's opportunities have had 20 days; they usually need 45 to close: "maturing",
    # not a collapse of "Opportunity → customer 0.0%".
    with schema_context(alpha.schema_name):
        for label in ("2026-Q1", "2026-Q2", "2026-Q3"):
            stored_snapshot(
                label, stage_days_median={"opportunity_to_customer": 45.0, "lead_to_mql": 2.0}
            )
        stored_snapshot("2026-10", opportunity_to_customer_rate=0.0, lead_to_mql_rate=0.4)
    page = bob_client.get("/kpis/?period=2026-10")
    rows = rows_of(page)
    assert rows["opportunity_to_customer_rate"]["maturing"] is True
    assert rows["lead_to_mql_rate"]["maturing"] is False  # 20 days > the usual 2
    assert '<span class="maturing">maturing</span>' in page.content.decode()


def test_funnel_conversion_chart_says_from_when_its_cohorts_are_maturing(
    alpha, frozen_now, bob_client
):
    # Opportunities usually close in 45 days: October's (20 days old) are maturing,
    # September's (50 days) are not.
    with schema_context(alpha.schema_name):
        for label in ("2026-Q1", "2026-Q2", "2026-Q3"):
            stored_snapshot(label, stage_days_median={"opportunity_to_customer": 45.0})
        stored_snapshot("2026-09", opportunity_to_customer_rate=0.3)
        stored_snapshot("2026-10", opportunity_to_customer_rate=0.0)
    page = bob_client.get("/funnel/?period=2026-10")
    titles = [chart.title for chart in page.context["charts"]]
    assert "Cohort conversion over time (maturing from 2026-10)" in titles
