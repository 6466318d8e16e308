"""Real CRM exports in with no hand edits (SPEC 3.1, issue 10).

Each fixture is written the way the vendor exports it (its header labels or API names, its
value styles, its encoding); each is imported unchanged, or with a mapping file a user writes
once, and its KPIs are checked against figures worked out by hand in the comments.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from smarketing.funnel.models import ImportStatus
from tests.funnel.conftest import at, kpis, problems, run_import
from tests.funnel.conftest import deals_by_id as deals
from tests.funnel.conftest import imported as imported_file
from tests.funnel.conftest import leads_by_id as leads

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mapping(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def imported(workspace, name: str, kind: str = "", file_format: str = "", **options):
    return imported_file(workspace, FIXTURES / name, kind, file_format, **options)


# --- HubSpot: custom pipelines, won/lost flags, a lost deal without a close date -------------


def test_hubspot_custom_won_stages_count_as_won_by_the_is_closed_won_flag(alpha):
    contacts = imported(alpha, "hubspot_contacts_traffic_source.csv")
    job = imported(alpha, "hubspot_deals_custom_pipelines.csv")
    assert (contacts.kind, contacts.format, job.kind, job.format) == (
        "leads", "hubspot", "deals", "hubspot",
    )  # fmt: skip
    by_id = deals(alpha)
    assert {deal_id: deal.status for deal_id, deal in by_id.items()} == {
        "1001": "won",  # "Paid" in the Ecommerce pipeline
        "1002": "won",  # "Contract Signed" in the Enterprise pipeline
        "1003": "won",
        "1004": "lost",
        "1005": "lost",  # "Lost", a custom lost stage
        "1006": "open",
        "1007": "won",
        "1008": "won",
    }
    # A lost deal without a close date is stored, with a warning naming HubSpot's column.
    assert by_id["1004"].closed_at is None
    assert problems(alpha, job, "warning") == [
        "row 5, column Close Date: is empty for a won or lost deal: stored, and left out of "
        "every KPI dated by the close date"
    ]
    assert by_id["1007"].amount == Decimal(0)  # no amount: 0
    assert (by_id["1001"].currency, by_id["1001"].lead_id) == ("USD", "501")
    assert "Deal Name" in job.ignored_columns and "Is Deal Closed?" not in job.ignored_columns
    # "Original Traffic Source Drill-Down 2" is the campaign.
    assert {lead_id: lead.campaign for lead_id, lead in leads(alpha).items()} == {
        "501": "", "502": "winter-2023", "503": "", "504": "brand-campaign",
    }  # fmt: skip

    report = kpis(alpha, "2024")["kpis"]
    # Won with a close date in 2024: 1001 (1200.50), 1002 (5000), 1003 (2500), 1007 (0)
    # → 4 deals, 8,700.50; lost: 1005 only (1004 has no close date); win rate 4 / 5;
    # average 8,700.50 / 4 = 2,175.125 → 2,175.13.
    assert (report["won_deals"], report["revenue"], report["lost_deals"]) == (4, 8700.5, 1)
    assert (report["win_rate"], report["average_deal_size"]) == (0.8, 2175.13)
    # Created in 2024: every deal but 1001: 5000 + 2500 + 800 + 3000 + 1000 + 0 + 750.25.
    assert report["pipeline_created"] == 13050.25
    # Lifetime: the won deals of contacts 501, 502, 503 closed before 2025: 8,700.50 / 3.
    assert report["customer_lifetime_value"] == 2900.17
    # Every source is a marketing channel (organic search, paid social, offline).
    assert report["marketing_sourced_revenue"] == 8700.5
    assert (report["leads"], report["new_customers"]) == (2, 3)


# --- Salesforce: Latin-1, NUL bytes, all-zero ids, converted leads ---------------------------


def test_salesforce_latin1_leads_with_nul_bytes_import_as_exported(alpha):
    job = imported(alpha, "salesforce_leads_latin1_nul.csv")
    assert (job.kind, job.format, job.encoding) == ("leads", "salesforce", "cp1252")
    assert problems(alpha, job, "warning") == [
        "row 2, column Description: 2 NUL bytes removed",
        "row 3, column Description: 1 NUL byte removed",
    ]
    by_id = leads(alpha)
    jose, lucia, rosa, andres = (
        by_id["00Q5e00000AbCdEEA1"], by_id["00Q5e00000AbCdFEA1"],
        by_id["00Q5e00000AbCdGEA1"], by_id["00Q5e00000AbCdHEA1"],
    )  # fmt: skip
    assert jose.source == "gestión_directa"
    assert (jose.sql_at, jose.opportunity_at, jose.converted_deal_id) == (
        at(2025, 1, 10), at(2025, 1, 10), "0065e00000OpP01AAA",
    )  # fmt: skip
    # Converted without an opportunity: 000000000000000AAA is Salesforce's empty id.
    assert (lucia.sql_at, lucia.opportunity_at, lucia.converted_deal_id) == (
        at(2025, 1, 12), None, "",
    )  # fmt: skip
    assert (rosa.source, rosa.sql_at, rosa.created_at) == ("events", None, at(2025, 1, 4, 11, 30))
    assert andres.source == "unknown"  # an empty Lead Source
    report = kpis(alpha, "2025-01")["kpis"]
    # SQLs in January: José and Lucía; only José reached an opportunity.
    assert (report["leads"], report["sqls"], report["opportunities"]) == (4, 2, 1)
    assert report["sql_to_opportunity_rate"] == 0.5


def test_salesforce_opportunities_in_four_currencies(alpha):
    job = imported(alpha, "salesforce_opportunities_currencies.csv")
    assert (job.kind, job.format, job.encoding) == ("deals", "salesforce", "cp1252")
    assert problems(alpha, job, "warning") == [
        "file: 2 deal(s) in COP have no exchange rate for their month: stored, and left out of"
        " every money KPI (revenue, deal size, pipeline) until an admin adds one"
        " (`exchange_rates SLUG --set COP=RATE [--month YYYY-MM]`)",
        "file: 1 deal(s) in MXN have no exchange rate for their month: stored, and left out of"
        " every money KPI (revenue, deal size, pipeline) until an admin adds one"
        " (`exchange_rates SLUG --set MXN=RATE [--month YYYY-MM]`)",
        "file: 1 deal(s) in PEN have no exchange rate for their month: stored, and left out of"
        " every money KPI (revenue, deal size, pipeline) until an admin adds one"
        " (`exchange_rates SLUG --set PEN=RATE [--month YYYY-MM]`)",
        "row 2, column Description: 1 NUL byte removed",
    ]
    by_id = deals(alpha)
    summary = {
        deal_id[-5:]: (deal.status, deal.amount, deal.currency) for deal_id, deal in by_id.items()
    }
    assert (
        summary
        == {
            "P01AAA"[-5:]: ("won", Decimal(4000000), "COP"),
            "P02AAA"[-5:]: ("won", Decimal(50000), "MXN"),  # "Cerrada ganada": IsWon says won
            "P03AAA"[-5:]: ("won", Decimal(3000), "PEN"),
            "P04AAA"[-5:]: ("won", Decimal(1000), "USD"),
            "P05AAA"[-5:]: ("lost", Decimal(2000000), "COP"),
            "P06AAA"[-5:]: ("open", Decimal(500), "USD"),
        }
    )
    assert by_id["0065e00000OpP05AAA"].lost_reason == "Precio: el diseño costaba más"
    # The converted lead arrives later and claims its opportunity.
    imported(alpha, "salesforce_leads_latin1_nul.csv")
    assert deals(alpha)["0065e00000OpP01AAA"].lead_id == "00Q5e00000AbCdEEA1"


def rates_command(alpha, *arguments: str) -> list:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("exchange_rates", alpha.slug, *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_four_currencies_are_converted_per_month_and_never_summed_unconverted(alpha):
    from smarketing.funnel.selectors import deals_without_exchange_rate

    imported(alpha, "salesforce_opportunities_currencies.csv")
    # Deals (workspace currency USD): P01 won 4,000,000 COP created 5 Jan closed 20 Jan; P02 won
    # 50,000 MXN 10 Jan → 25 Jan; P03 won 3,000 PEN 15 Jan → 14 Feb; P04 won 1,000 USD
    # 1 Feb → 20 Feb; P05 lost 2,000,000 COP 2 Feb → 25 Feb; P06 open 500 USD created 10 Feb.
    january, february = kpis(alpha, "2025-01")["kpis"], kpis(alpha, "2025-02")["kpis"]
    # No rate at all: foreign deals are left out of money, still counted as won or lost.
    assert (january["won_deals"], january["win_rate"], january["revenue"]) == (2, 1.0, 0.0)
    assert january["average_deal_size"] is None  # no won deal with a converted amount
    assert january["pipeline_created"] == 0.0
    assert (february["won_deals"], february["lost_deals"], february["win_rate"]) == (
        2, 1, 0.666667,
    )  # fmt: skip
    assert (february["revenue"], february["average_deal_size"]) == (1000.0, 1000.0)  # P04
    assert february["pipeline_created"] == 1500.0  # P04 1,000 + P06 500 (P05 left out)
    rates = rates_command(alpha, "--set", "COP=0.00025")  # every month
    rates = rates_command(alpha, "--set", "mxn=0.055", "--set", "PEN=0.27", "--month", "2025-01")
    assert rates == [
        {"currency": "COP", "month": None, "rate": "0.00025"},
        {"currency": "MXN", "month": "2025-01", "rate": "0.055"},
        {"currency": "PEN", "month": "2025-01", "rate": "0.27"},
    ]
    january, february = kpis(alpha, "2025-01")["kpis"], kpis(alpha, "2025-02")["kpis"]
    # January: P01 4,000,000 × 0.00025 = 1,000 + P02 50,000 × 0.055 = 2,750.
    assert (january["revenue"], january["average_deal_size"]) == (3750.0, 1875.0)
    # Created in January: P01 1,000 + P02 2,750 + P03 3,000 × 0.27 (January's PEN) = 810.
    assert january["pipeline_created"] == 4560.0
    # February: P03 closes in February, which has no PEN rate: out of revenue and deal size,
    # still a won deal. Revenue P04 1,000 over the one converted won deal.
    assert (february["won_deals"], february["win_rate"]) == (2, 0.666667)
    assert (february["revenue"], february["average_deal_size"]) == (1000.0, 1000.0)
    # P04 1,000 + P05 2,000,000 × 0.00025 = 500 + P06 500.
    assert february["pipeline_created"] == 2000.0
    with schema_context(alpha.schema_name):
        assert deals_without_exchange_rate() == {"PEN": 1}
    rates_command(alpha, "--set", "PEN=0.26", "--month", "2025-02")
    february = kpis(alpha, "2025-02")["kpis"]
    # + P03 3,000 × 0.26 = 780: 1,780 over 2 converted won deals = 890.
    assert (february["revenue"], february["average_deal_size"]) == (1780.0, 890.0)
    with schema_context(alpha.schema_name):
        assert deals_without_exchange_rate() == {}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--set", "EURO=1"], "EURO"),
        (["--set", "EUR=0"], "EUR: the rate must be a number more than 0"),
        (["--set", "EUR=abc"], "is not a number"),
        (["--set", "USD=1"], "USD is the workspace's currency"),
        (["--set", "EUR=1", "--month", "2025-13"], "--month"),
        (["--set", "EUR"], "CUR=RATE"),
    ],
)
def test_exchange_rates_command_refuses_and_changes_nothing(alpha, arguments, message):
    from django.core.management.base import CommandError

    from smarketing.configuration.models import ExchangeRate

    with pytest.raises(CommandError, match="nothing changed") as raised:
        rates_command(alpha, "--set", "GBP=1.25", *arguments)
    assert message in str(raised.value)
    with schema_context(alpha.schema_name):
        assert not ExchangeRate.objects.exists()


def test_a_rate_change_recomputes_the_snapshots_of_its_months(
    alpha, django_capture_on_commit_callbacks
):
    from smarketing.kpis import services as kpi_services
    from smarketing.kpis.models import KpiSnapshotJob
    from smarketing.kpis.selectors.context import kpi_period_parse
    from smarketing.kpis.selectors.reports import kpi_report_read

    imported(alpha, "salesforce_opportunities_currencies.csv")
    rates_command(alpha, "--set", "COP=0.00025", "--set", "MXN=0.055", "--set", "PEN=0.27")

    def february_snapshot() -> dict:
        with schema_context(alpha.schema_name):
            job = KpiSnapshotJob.objects.order_by("-pk").first()
            kpi_services.kpi_snapshot_refresh(job=job)
            report = kpi_report_read(period=kpi_period_parse("2025-02"))
        assert report["computed"] == "snapshot"
        return report["kpis"]

    # February: P03 810 + P04 1,000 = 1,810 over 2.
    assert (february_snapshot()["revenue"], february_snapshot()["average_deal_size"]) == (
        1810.0, 905.0,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rates_command(alpha, "--set", "PEN=0.30", "--month", "2025-02")
    assert callbacks  # the refresh is queued on commit
    with schema_context(alpha.schema_name):
        job = KpiSnapshotJob.objects.order_by("-pk").first()
        assert job.range_start.date().isoformat() <= "2025-02-01"
    # P03 3,000 × 0.30 = 900 + 1,000.
    assert february_snapshot()["revenue"] == 1900.0


def test_exchange_rates_api_and_page_are_for_admins(alpha, alice_client):
    response = alice_client.post(
        "/api/v1/exchange-rates/",
        {"rates": {"EUR": "1.08"}, "month": "2025-03"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == [{"currency": "EUR", "month": "2025-03", "rate": "1.0800000000"}]
    bad = alice_client.post(
        "/api/v1/exchange-rates/", {"rates": {"USD": "2"}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "workspace's currency" in str(bad.json())
    page = alice_client.get("/settings/exchange-rates/")
    assert page.status_code == 200 and b"EUR" in page.content
    saved = alice_client.post(
        "/settings/exchange-rates/", {"currency": "cop", "month": "", "rate": "0.00025"}
    )
    assert saved.status_code == 302
    assert b"every month" in alice_client.get("/settings/exchange-rates/").content


def test_the_dashboard_names_currencies_without_a_rate(alpha, alice_client):
    imported(alpha, "salesforce_opportunities_currencies.csv")
    page = alice_client.get("/?period=2025-02").content.decode()
    assert "2 deals in COP, 1 deal in MXN, 1 deal in PEN" in page


def test_problems_in_a_crm_file_name_the_files_own_columns(alpha):
    content = (
        "Id,Name,StageName,IsClosed,IsWon,Amount,CloseDate,CreatedDate\n"
        "0065e00000OpP01AAA,A,Closed Won,true,true,10,2025-01-20,yesterday\n"
    )
    job = run_import(alpha, content, "deals", "salesforce")
    assert problems(alpha, job) == [
        'row 2, column CreatedDate: "yesterday" is not an ISO 8601 date '
        "(2025-03-14 or 2025-03-14T09:30:00Z)"
    ]


# --- A Salesforce report with US dates: one mapping file, written once -----------------------


def test_salesforce_report_with_us_dates_needs_only_a_date_order(alpha):
    content = fixture("salesforce_report_us_dates.csv")
    first = run_import(alpha, content, "deals", "salesforce")
    assert first.status == ImportStatus.REJECTED
    assert "the columns" not in " ".join(problems(alpha, first))
    assert problems(alpha, first)[0] == "row 1, column deal_id: this required column is missing"

    report_mapping = mapping("salesforce_report_us_dates.mapping.json")
    job = run_import(alpha, content, "deals", "salesforce", mapping=report_mapping)
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    by_id = deals(alpha)
    assert {deal_id: (d.status, d.amount) for deal_id, d in by_id.items()} == {
        "Lovelace - New": ("won", Decimal("12500")),
        "Builder - New": ("lost", Decimal("4000")),
        "Young - Upsell": ("open", Decimal("1250.5")),
        "Hopper - New": ("won", Decimal("980")),
    }
    assert (by_id["Lovelace - New"].created_at, by_id["Lovelace - New"].closed_at) == (
        at(2026, 1, 5, 9, 30), at(2026, 2, 23),
    )  # fmt: skip
    assert (by_id["Builder - New"].created_at, by_id["Builder - New"].closed_at) == (
        at(2026, 1, 15, 14, 5), at(2026, 2, 14),  # 2:05 PM; "02/14/26" is 2026
    )  # fmt: skip
    assert by_id["Young - Upsell"].created_at == at(2026, 2, 1)  # 12:00 AM is midnight
    assert by_id["Hopper - New"].created_at == at(2026, 2, 10, 12, 30)  # 12:30 PM
    report = kpis(alpha, "2026-Q1")["kpis"]
    # Won in Q1: 12,500 + 980; lost: 4,000 (Feb 14): win rate 2/3.
    assert (report["revenue"], report["won_deals"], report["win_rate"]) == (13480.0, 2, 0.666667)


def test_a_non_iso_date_without_date_order_is_rejected_with_a_hint(alpha):
    without_order = {"kind": "deals", "columns": {"deal_id": "Opportunity Name"}}
    content = fixture("salesforce_report_us_dates.csv")
    job = run_import(alpha, content, "deals", "salesforce", mapping=without_order)
    assert job.status == ImportStatus.REJECTED
    assert problems(alpha, job)[0] == (
        'row 2, column Created Date: "1/5/2026 9:30 AM" is not an ISO 8601 date (2025-03-14 or '
        '2025-03-14T09:30:00Z); to read dates like this one, set "date_order" (DMY, MDY or YMD) '
        "in a mapping"
    )


# --- A non-CRM dataset: MQLs + closed deals (Olist-like) -------------------------------------


def test_mqls_and_closed_deals_with_mapping_files(alpha):
    mqls = imported(
        alpha, "olist_marketing_qualified_leads.csv", "leads", "",
        mapping=mapping("olist_marketing_qualified_leads.mapping.json"),
    )  # fmt: skip
    won = imported(
        alpha, "olist_closed_deals.csv", "deals", "",
        mapping=mapping("olist_closed_deals.mapping.json"),
    )  # fmt: skip
    assert (mqls.format, won.format, won.delimiter) == ("canonical", "canonical", ";")
    assert "landing_page_id" in mqls.ignored_columns
    by_id = leads(alpha)
    first = by_id["5f5ad7d1c0e24a1c9a9c1f0e0a000001"]
    assert (first.created_at, first.mql_at, first.source) == (
        at(2018, 1, 5), at(2018, 1, 5), "organic_search",
    )  # fmt: skip
    assert by_id["5f5ad7d1c0e24a1c9a9c1f0e0a000003"].source == "not_set"  # empty origin
    deal = deals(alpha)["5f5ad7d1c0e24a1c9a9c1f0e0a000004"]
    assert (deal.status, deal.amount, deal.closed_at, deal.lead_id, deal.owner) == (
        "won", Decimal("12345.67"), at(2018, 2, 20, 10, 15),
        "5f5ad7d1c0e24a1c9a9c1f0e0a000004", "4ef15afb4b2723d8f3d81e51ec7afefe",
    )  # fmt: skip
    january, february = kpis(alpha, "2018-01")["kpis"], kpis(alpha, "2018-02")["kpis"]
    assert (january["leads"], january["mqls"], january["won_deals"], january["revenue"]) == (
        3, 3, 1, 1500.0,
    )  # fmt: skip
    # February: 0,00 + 12.345,67 over two won deals = 6,172.835 → 6,172.84.
    assert (february["won_deals"], february["revenue"], february["average_deal_size"]) == (
        2, 12345.67, 6172.84,
    )  # fmt: skip


def olist_imported(alpha):
    imported(
        alpha, "olist_marketing_qualified_leads.csv", "leads", "",
        mapping=mapping("olist_marketing_qualified_leads.mapping.json"),
    )  # fmt: skip
    return imported(
        alpha, "olist_closed_deals.csv", "deals", "",
        mapping=mapping("olist_closed_deals.mapping.json"),
    )  # fmt: skip


def settings_command(alpha, *assignments: str) -> dict:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    arguments = [part for assignment in assignments for part in ("--set", assignment)]
    call_command("workspace_settings", alpha.slug, *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_mqls_and_closed_deals_without_stages_from_deals_have_no_customers(alpha):
    won = olist_imported(alpha)
    # Three leads (…001, …002, …004) have a won deal and no customer date: the report says
    # which setting would make them customers.
    assert problems(alpha, won, "warning") == [
        "file: 3 lead(s) have a won deal but no customer date, so they count as no customer:"
        " turn on “stages from deals” (settings page, the settings API, or `workspace_settings"
        " SLUG --set stages_from_deals=on`) to take their first won deal's close as their"
        " customer date"
    ]
    january = kpis(alpha, "2018-01")["kpis"]
    assert (january["new_customers"], january["opportunities"]) == (0, 0)
    assert january["lead_to_customer_rate"] == 0.0  # 0 of 3
    assert january["sales_cycle_days_mean"] is None


def test_stages_from_deals_makes_won_deals_customers_in_the_kpis(alpha):
    olist_imported(alpha)
    assert settings_command(alpha, "stages_from_deals=on")["stages_from_deals"] == "on"
    # Leads created (and MQL) 5, 10, 15 January, 2 and 20 February 2018 (…001 … …005); won
    # deals (created = closed) …001 20-01 14:30, …002 01-02 09:00, …004 20-02 10:15.
    january = kpis(alpha, "2018-01")["kpis"]
    assert (january["leads"], january["opportunities"], january["new_customers"]) == (3, 1, 1)
    # Cohort created in January {001, 002, 003}; customers at any time: 001, 002 → 2/3.
    assert january["lead_to_customer_rate"] == 0.666667
    assert january["opportunity_to_customer_rate"] == 1.0  # {001} → 001
    # 001: 5 Jan 00:00 → 20 Jan 14:30 = 15 d 14.5 h = 15.6041… days.
    assert january["sales_cycle_days_mean"] == 15.6
    assert january["stage_days_median"]["opportunity_to_customer"] == 0.0
    february = kpis(alpha, "2018-02")["kpis"]
    assert (february["leads"], february["new_customers"]) == (2, 2)  # 002 and 004
    # 002: 10 Jan → 1 Feb 09:00 = 22.375 d; 004: 2 Feb → 20 Feb 10:15 = 18.4270833 d;
    # mean = median = 20.4010416… days.
    assert february["sales_cycle_days_mean"] == 20.4
    assert february["sales_cycle_days_median"] == 20.4
    assert february["lead_to_customer_rate"] == 0.5  # {004, 005} → 004
    quarter = kpis(alpha, "2018-Q1")["kpis"]
    assert (quarter["new_customers"], quarter["lead_to_customer_rate"]) == (3, 0.6)  # 3 of 5
    # The stored leads keep what was imported: off again gives the imported figures back.
    assert all(lead.customer_at is None for lead in leads(alpha).values())
    settings_command(alpha, "stages_from_deals=off")
    assert kpis(alpha, "2018-Q1")["kpis"]["new_customers"] == 0


def test_stages_from_deals_keeps_imported_dates_and_takes_the_earliest_deal(alpha):
    from tests.kpis.conftest import deal, lead

    with schema_context(alpha.schema_name):
        lead("K1", created_at="2025-01-02", opportunity_at="2025-01-20",
             customer_at="2025-03-05")  # fmt: skip
        lead("K2", created_at="2025-01-03")
        deal(status="won", amount="100", created_at="2025-01-10", closed_at="2025-02-01",
             lead_id="K1")  # fmt: skip
        # K2: a lost deal first (its opportunity date), then two won ones: the first close wins.
        deal(status="lost", amount="5", created_at="2025-01-04", closed_at="2025-01-06",
             lead_id="K2")  # fmt: skip
        deal(status="won", amount="7", created_at="2025-02-10", closed_at="2025-03-20",
             lead_id="K2")  # fmt: skip
        deal(status="won", amount="9", created_at="2025-01-25", closed_at="2025-02-15",
             lead_id="K2")  # fmt: skip
        deal(status="open", amount="1", created_at="2025-01-01", lead_id="NOBODY")
    settings_command(alpha, "stages_from_deals=on")
    january, february, march = (kpis(alpha, f"2025-0{n}")["kpis"] for n in (1, 2, 3))
    # Opportunities: K1 its own 20 Jan; K2 its earliest deal's creation, 4 Jan.
    assert january["opportunities"] == 2
    # Customers: K1 its own 5 March (not its deal's 1 Feb); K2 15 Feb (first won close).
    assert (january["new_customers"], february["new_customers"], march["new_customers"]) == (
        0, 1, 1,
    )  # fmt: skip
    # K2: 3 Jan → 15 Feb = 43 days; K1: 2 Jan → 5 Mar = 62 days.
    assert (february["sales_cycle_days_mean"], march["sales_cycle_days_mean"]) == (43.0, 62.0)


# --- Text as exported ----------------------------------------------------------------------


def test_spanish_windows_1252_text_is_not_read_as_a_central_european_code_page(alpha):
    rows = "".join(
        f"L{n},2025-03-14,{source},{owner}\n"
        for n, (source, owner) in enumerate(
            [("Gestión directa", "Diseño Muñoz"), ("Señalética", "Peñón Güell"),
             ("Búsqueda orgánica", "José Ñúñez")] * 3
        )
    )  # fmt: skip
    job = run_import(alpha, ("lead_id,created_at,source,owner\n" + rows).encode("cp1252"), "leads")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    assert job.encoding == "cp1252"
    by_id = leads(alpha)
    assert (by_id["L0"].source, by_id["L0"].owner) == ("gestión_directa", "Diseño Muñoz")
    assert (by_id["L1"].source, by_id["L2"].source) == ("señalética", "búsqueda_orgánica")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Gestión directa", "gestión_directa"),
        ("  Paid Social ", "paid_social"),
        ("E-mail / Newsletter", "e_mail_newsletter"),
        ("ВКонтакте Реклама", "вконтакте_реклама"),
        ("paid_social", "paid_social"),
    ],
)
def test_channel_names_keep_their_letters_in_any_script(alpha, written, stored):
    job = run_import(alpha, f'month,source,amount\n2025-01,"{written}",10\n', "spend")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    from smarketing.funnel.models import Spend

    with schema_context(alpha.schema_name):
        assert Spend.objects.get().source == stored
