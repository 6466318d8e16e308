"""Hand-written HubSpot and Salesforce exports (documented column names), imported unchanged
and checked field by field."""

from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from smarketing.funnel import services
from smarketing.funnel.models import ImportStatus
from tests.funnel.conftest import at, kpis, problems, run_import
from tests.funnel.conftest import deals_by_id as deals
from tests.funnel.conftest import imported as imported_file
from tests.funnel.conftest import leads_by_id as leads

FIXTURES = Path(__file__).parent / "fixtures"


def imported(workspace, name: str, kind: str = "", file_format: str = "canonical"):
    return imported_file(workspace, FIXTURES / name, kind, file_format if kind else "")


ADA = {
    "created_at": at(2025, 1, 6, 9, 15),
    "source": "organic_search",
    "mql_at": at(2025, 1, 8, 10),
    "sql_at": at(2025, 1, 10, 11),
    "opportunity_at": at(2025, 1, 15, 12),
    "customer_at": at(2025, 2, 20, 16, 30),
    "rejected_at": None,
    "rejection_reason": "",
}


@pytest.mark.parametrize(
    ("name", "owner", "bob_reason"),
    [
        ("hubspot_contacts_became_dates.csv", "Jane Owner", "Unqualified"),
        # HubSpot's "Bad Timing" is the default list's "Bad timing": stored with its name.
        ("hubspot_contacts_date_entered.csv", "Jane Owner", "Bad timing"),
        ("hubspot_contacts_internal_names.csv", "31415", "Unqualified"),
    ],
)
def test_hubspot_contacts_in_every_header_style(alpha, name, owner, bob_reason):
    job = imported(alpha, name, "leads", "hubspot")
    assert "First Name" in job.ignored_columns or "firstname" in job.ignored_columns
    by_id = leads(alpha)
    ada, bob = by_id["101"], by_id["102"]
    for field, expected in ADA.items():
        assert getattr(ada, field) == expected, field
    assert ada.owner == owner
    assert (bob.source, bob.created_at, bob.mql_at, bob.sql_at) == (
        "paid_social",
        at(2025, 1, 7, 14),
        at(2025, 1, 9, 9),
        None,
    )
    # Sent back by sales: rejected, dated by the last change of the contact.
    assert (bob.rejected_at, bob.rejection_reason) == (at(2025, 1, 12, 17, 45), bob_reason)


def test_hubspot_contacts_are_detected_and_unknown_sources_kept_readable(alpha):
    job = imported(alpha, "hubspot_contacts_became_dates.csv")
    assert (job.kind, job.format) == ("leads", "hubspot")
    cy = leads(alpha)["103"]
    assert (cy.source, cy.created_at, cy.owner, cy.mql_at) == ("direct", at(2025, 1, 8), "", None)
    assert leads(alpha)["102"].campaign == "winter-campaign"


def test_hubspot_deals(alpha):
    job = imported(alpha, "hubspot_deals.csv", "deals", "hubspot")
    by_id = deals(alpha)
    won, lost, open_ = by_id["9001"], by_id["9002"], by_id["9003"]
    assert (won.status, won.amount, won.closed_at, won.created_at, won.lead_id, won.owner) == (
        "won", Decimal("12500.50"), at(2025, 2, 20, 16, 30), at(2025, 1, 15, 12), "101",
        "Jane Owner",
    )  # fmt: skip
    assert (lost.status, lost.amount, lost.lost_reason, lost.lead_id) == (
        "lost",
        Decimal(4000),
        "Went with a competitor",
        "102",
    )
    assert (open_.status, open_.amount, open_.lead_id) == ("open", Decimal(0), "")
    assert job.ignored_columns == ["Deal Name", "Pipeline"]


@pytest.mark.parametrize(
    ("leads_file", "opportunities_file", "owner"),
    [
        (
            "salesforce_leads_api_names.csv",
            "salesforce_opportunities_api_names.csv",
            "0055e000000OWN1AAA",
        ),
        ("salesforce_leads_labels.csv", "salesforce_opportunities_labels.csv", "Olivia Owner"),
    ],
)  # fmt: skip
def test_salesforce_leads_and_opportunities(alpha, leads_file, opportunities_file, owner):
    with schema_context(alpha.schema_name):
        # The custom lost-reason field, chosen once in the workspace's mapping.
        services.column_mapping_save(
            kind="deals", file_format="salesforce", columns={"lost_reason": "Why We Lost"}
        )
    imported(alpha, leads_file, "leads", "salesforce")
    imported(alpha, opportunities_file, "deals", "salesforce")
    by_id = leads(alpha)
    ada, bob = by_id["00Q5e000001AAAAEA1"], by_id["00Q5e000001CCCCEA1"]
    assert (ada.created_at, ada.source, ada.owner) == (at(2025, 1, 6, 9, 15), "web", owner)
    assert (ada.sql_at, ada.opportunity_at, ada.rejected_at) == (
        at(2025, 1, 20),
        at(2025, 1, 20),
        None,
    )
    assert ada.converted_deal_id == "0065e000002BBBBAA1"
    assert (bob.source, bob.sql_at, bob.rejected_at, bob.rejection_reason) == (
        "partner_referral",
        None,
        at(2025, 1, 15, 10),
        "Closed - Not Converted",
    )
    by_deal = deals(alpha)
    won, lost, open_ = (
        by_deal["0065e000002BBBBAA1"], by_deal["0065e000002EEEEAA1"], by_deal["0065e000002FFFFAA1"]
    )  # fmt: skip
    assert (won.status, won.amount, won.closed_at, won.lead_id) == (
        "won",
        Decimal("12500.5"),
        at(2025, 2, 20),
        "00Q5e000001AAAAEA1",
    )
    assert (lost.status, lost.lost_reason, lost.amount, lost.lead_id) == (
        "lost",
        "Price",
        Decimal(4000),
        "",
    )
    assert (open_.status, open_.amount, open_.created_at) == (
        "open",
        Decimal(0),
        at(2025, 1, 21, 9),
    )


def test_salesforce_opportunities_before_leads_are_linked_when_the_leads_arrive(alpha):
    imported(alpha, "salesforce_opportunities_api_names.csv", "deals", "salesforce")
    assert deals(alpha)["0065e000002BBBBAA1"].lead_id == ""
    imported(alpha, "salesforce_leads_api_names.csv")  # detected as Salesforce leads
    assert deals(alpha)["0065e000002BBBBAA1"].lead_id == "00Q5e000001AAAAEA1"


def test_salesforce_all_zero_ids_of_15_or_18_characters_are_empty(alpha):
    # Issue 10, problem 4: Salesforce writes an empty reference as an all-zero id; a converted
    # lead whose ConvertedOpportunityId is one has no opportunity.
    content = (
        "Id,FirstName,LastName,Company,CreatedDate,LeadSource,Status,IsConverted,ConvertedDate,"
        "ConvertedOpportunityId,OwnerId,LastModifiedDate\n"
        "00Q5e000009ZZZ1EA1,Ann,Zero,Z Ltd,2025-01-06T09:15:00.000Z,Web,Closed - Converted,true,"
        "2025-01-20,000000000000000AAA,000000000000000,2025-01-20T10:00:00.000Z\n"
        "00Q5e000009ZZZ2EA1,Ben,Zero,Z Co,2025-01-07T09:15:00.000Z,Web,Closed - Converted,true,"
        "2025-01-21,000000000000000,0055e000000OWN1AAA,2025-01-21T10:00:00.000Z\n"
    )
    job = run_import(alpha, content, "leads", "salesforce")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    by_id = leads(alpha)
    ann, ben = by_id["00Q5e000009ZZZ1EA1"], by_id["00Q5e000009ZZZ2EA1"]
    assert (ann.opportunity_at, ann.converted_deal_id, ann.owner) == (None, "", "")
    assert (ben.opportunity_at, ben.converted_deal_id) == (None, "")
    assert ann.sql_at is not None and ben.sql_at is not None
    report = kpis(alpha, "2025-01")["kpis"]
    # Two SQLs, neither reached an opportunity: 0 of 2, not 1.0.
    assert (report["sqls"], report["opportunities"], report["sql_to_opportunity_rate"]) == (
        2, 0, 0.0,
    )  # fmt: skip
