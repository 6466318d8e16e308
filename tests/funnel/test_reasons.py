"""The rejection and loss loops: imports map CRM values onto the workspace's reason lists,
unknown values are kept and listed, and an admin's mapping relabels stored rows and is saved
for later imports (page, API and admin go through the same services)."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from smarketing.funnel import reason_services
from smarketing.funnel.models import Reason, ReasonAlias, ReasonKind
from smarketing.funnel.reason_selectors import reason_counts, reason_unknown_values
from tests.conftest import ALPHA_HOST, client_for, make_user
from tests.funnel.conftest import at, deals_by_id, leads_by_id, run_import

LEADS = (
    "lead_id,created_at,source,mql_at,rejected_at,rejection_reason,owner\n"
    "L1,2025-01-02,webinar,2025-01-03,2025-01-05,  no BUDGET ,Avery\n"
    "L2,2025-01-02,webinar,2025-01-03,2025-01-06,Bad timing - back to nurturing,Avery\n"
    "L3,2025-01-02,events,2025-01-03,2025-01-07,Bad timing - back to nurturing,\n"
    "L4,2025-01-02,events,2025-01-03,2025-02-07,,\n"
    "L5,2025-01-02,events,,,,\n"
)
DEALS = (
    "deal_id,created_at,status,amount,lead_id,closed_at,lost_reason,owner\n"
    "D1,2025-01-02,lost,100,L1,2025-01-20,price,Casey\n"
    "D2,2025-01-02,lost,100,L3,2025-01-21,Chose a competitor,Casey\n"
    "D3,2025-01-02,lost,100,,2025-01-22,Chose a competitor,\n"
    "D4,2025-01-02,won,100,L2,2025-01-23,,Taylor\n"
)


def _reason(workspace, kind: str, name: str) -> Reason:
    with schema_context(workspace.schema_name):
        return Reason.objects.get(kind=kind, name=name)


def test_a_new_workspace_starts_with_both_lists(alpha):
    with schema_context(alpha.schema_name):
        rejection = list(Reason.objects.filter(kind="rejection").values_list("name", flat=True))
        loss = list(Reason.objects.filter(kind="loss").values_list("name", flat=True))
    assert rejection[:3] == ["Not a fit", "No budget", "Bad timing"]
    assert loss == ["Price", "Competitor", "No decision", "Missing feature", "Timing"]


def test_import_stores_the_reason_name_for_its_spellings_and_keeps_unknown_values(alpha):
    job = run_import(alpha, LEADS, "leads")
    assert job.status == "succeeded", job.problems.all()
    leads = leads_by_id(alpha)
    assert leads["L1"].rejection_reason == "No budget"  # any case, spaces trimmed
    assert leads["L2"].rejection_reason == "Bad timing - back to nurturing"  # kept as it was
    assert leads["L4"].rejection_reason == ""
    with schema_context(alpha.schema_name):
        assert reason_unknown_values(kind="rejection") == [("Bad timing - back to nurturing", 2)]
    run_import(alpha, DEALS, "deals")
    deals = deals_by_id(alpha)
    assert deals["D1"].lost_reason == "Price"
    with schema_context(alpha.schema_name):
        assert reason_unknown_values(kind="loss") == [("Chose a competitor", 2)]


def test_mapping_a_value_relabels_stored_rows_and_later_imports_and_a_reimport_writes_nothing(
    alpha,
):
    run_import(alpha, LEADS, "leads")
    bad_timing = _reason(alpha, "rejection", "Bad timing")
    with schema_context(alpha.schema_name):
        reason_services.reason_value_map(
            kind="rejection", value="bad timing - BACK to nurturing", reason=bad_timing
        )
        assert reason_unknown_values(kind="rejection") == []
        assert list(ReasonAlias.objects.values_list("value", flat=True)) == [
            "bad timing - BACK to nurturing"
        ]
    assert leads_by_id(alpha)["L2"].rejection_reason == "Bad timing"
    # The same file again: mapped the same way, so nothing is rewritten.
    again = run_import(alpha, LEADS + "L6,2025-01-02,events,,,,\n", "leads")
    assert again.status == "succeeded"
    assert again.rows_stored == 1 and again.rows_unchanged == 5
    later = run_import(
        alpha,
        "lead_id,created_at,source,rejected_at,rejection_reason\n"
        "L7,2025-03-01,events,2025-03-02,Bad Timing - Back To Nurturing\n",
        "leads",
    )
    assert later.status == "succeeded"
    assert leads_by_id(alpha)["L7"].rejection_reason == "Bad timing"


def test_renaming_a_reason_relabels_its_rows_and_keeps_the_old_name_as_a_spelling(alpha):
    run_import(alpha, DEALS, "deals")
    price = _reason(alpha, "loss", "Price")
    with schema_context(alpha.schema_name):
        reason_services.reason_update(reason=price, name="Too expensive")
        assert list(price.aliases.values_list("value", flat=True)) == ["Price"]
    assert deals_by_id(alpha)["D1"].lost_reason == "Too expensive"
    run_import(
        alpha,
        "deal_id,created_at,status,amount,closed_at,lost_reason\n"
        "D9,2025-02-02,lost,5,2025-02-03,PRICE\n",
        "deals",
    )
    assert deals_by_id(alpha)["D9"].lost_reason == "Too expensive"


def test_deleting_a_reason_keeps_its_rows_names_listed_to_map_again(alpha):
    run_import(alpha, DEALS, "deals")
    with schema_context(alpha.schema_name):
        reason_services.reason_delete(reason=Reason.objects.get(kind="loss", name="Price"))
        assert ("Price", 1) in reason_unknown_values(kind="loss")
    assert deals_by_id(alpha)["D1"].lost_reason == "Price"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("  ", "cannot be empty"),
        ("no budget", "already on the list"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_a_bad_reason_is_refused_and_nothing_changes(alpha, name, message):
    with schema_context(alpha.schema_name):
        before = Reason.objects.count()
        with pytest.raises(ValidationError, match=message):
            reason_services.reason_create(kind="rejection", name=name)
        assert Reason.objects.count() == before


def test_a_value_that_already_means_a_reason_cannot_name_another(alpha):
    with schema_context(alpha.schema_name):
        duplicate = Reason.objects.get(kind="rejection", name="Duplicate")
        reason_services.reason_value_map(kind="rejection", value="Dup", reason=duplicate)
        with pytest.raises(ValidationError, match='already means "Duplicate"'):
            reason_services.reason_create(kind="rejection", name="dup")
        with pytest.raises(ValidationError, match="a reason of its own"):
            reason_services.reason_value_map(kind="rejection", value="No budget", reason=duplicate)
        loss = Reason.objects.get(kind="loss", name="Price")
        with pytest.raises(ValidationError, match="not on the list"):
            reason_services.reason_value_map(kind="rejection", value="Money", reason=loss)


def test_counts_by_reason_per_range_by_source_and_owner(alpha):
    run_import(alpha, LEADS, "leads")
    run_import(alpha, DEALS, "deals")
    january, february = (at(2025, 1, 1), at(2025, 2, 1)), (at(2025, 2, 1), at(2025, 3, 1))
    with schema_context(alpha.schema_name):
        by_source = reason_counts(kind="rejection", ranges=[january, february], group="source")
        losses = reason_counts(kind="loss", ranges=[january], group="owner")
        lost_events = reason_counts(kind="loss", ranges=[january], source="events")
    assert sorted((c.range_index, c.group, c.reason, c.count) for c in by_source) == [
        (0, "events", "Bad timing - back to nurturing", 1),
        (0, "webinar", "Bad timing - back to nurturing", 1),
        (0, "webinar", "No budget", 1),
        (1, "events", "", 1),
    ]
    assert sorted((c.group, c.reason, c.count) for c in losses) == [
        ("Casey", "Chose a competitor", 1),
        ("Casey", "Price", 1),
        ("unassigned", "Chose a competitor", 1),
    ]
    assert [(c.reason, c.count) for c in lost_events] == [("Chose a competitor", 1)]


def test_reason_api_everyone_reads_admins_change(alpha, alice_client, bob_client):
    member = client_for(ALPHA_HOST, make_user(alpha, "mia@alpha.test", "member", "sales"))
    listed = bob_client.get("/api/v1/reasons/?kind=loss")
    assert listed.status_code == 200
    assert [reason["name"] for reason in listed.json()][:2] == ["Price", "Competitor"]
    body = {"kind": "loss", "name": "Legal review"}
    for client in (bob_client, member):
        assert (
            client.post(
                "/api/v1/reasons/create/", body, content_type="application/json"
            ).status_code
            == 403
        )
    created = alice_client.post("/api/v1/reasons/create/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    reason_id = created.json()["id"]
    again = alice_client.post("/api/v1/reasons/create/", body, content_type="application/json")
    assert again.status_code == 409 and "already on the list" in again.content.decode()
    mapped = alice_client.put(
        "/api/v1/reasons/map/",
        {"kind": "loss", "value": "Legal", "reason": reason_id},
        content_type="application/json",
    )
    assert mapped.status_code == 200 and mapped.json()["aliases"] == ["Legal"]
    renamed = alice_client.patch(
        f"/api/v1/reasons/{reason_id}/update/", {"name": "Legal"}, content_type="application/json"
    )
    assert renamed.status_code == 200 and renamed.json()["aliases"] == ["Legal review"]
    assert member.delete(f"/api/v1/reasons/{reason_id}/delete/").status_code == 403
    assert alice_client.delete(f"/api/v1/reasons/{reason_id}/delete/").status_code == 204
    assert alice_client.get(f"/api/v1/reasons/{reason_id}/").status_code == 404


def test_reason_lists_page_admin_maps_an_unknown_value_viewer_only_reads(
    alpha, alice_client, bob_client
):
    run_import(alpha, LEADS, "leads")
    page = bob_client.get("/reasons/lists/")
    assert page.status_code == 200
    assert "Bad timing - back to nurturing" in page.content.decode()
    assert 'name="action" value="map"' not in page.content.decode()
    refused = bob_client.post(
        "/reasons/lists/", {"action": "add", "kind": "rejection", "name": "Sneaky"}
    )
    assert refused.status_code == 403
    bad_timing = _reason(alpha, "rejection", "Bad timing")
    alice_page = alice_client.get("/reasons/lists/").content.decode()
    assert 'name="action" value="map"' in alice_page
    done = alice_client.post(
        "/reasons/lists/",
        {
            "action": "map",
            "kind": "rejection",
            "value": "Bad timing - back to nurturing",
            "reason": bad_timing.pk,
        },
        follow=True,
    )
    assert "now counts as" in done.content.decode()
    assert leads_by_id(alpha)["L3"].rejection_reason == "Bad timing"
    with schema_context(alpha.schema_name):
        assert not Reason.objects.filter(name="Sneaky").exists()
        assert ReasonKind.REJECTION in {alias.kind for alias in ReasonAlias.objects.all()}


def test_reasons_page_charts_rejections_and_losses_with_tables_and_csv(alpha, bob_client):
    run_import(alpha, LEADS, "leads")
    run_import(alpha, DEALS, "deals")
    page = bob_client.get("/reasons/?period=2025-01")
    assert page.status_code == 200
    charts = page.context["charts_json"]
    assert set(charts) == {
        "rejections-by-reason",
        "rejections-by-source",
        "rejections-over-time",
        "losses-by-reason",
        "losses-by-owner",
    }
    by_reason = charts["rejections-by-reason"]["data"]
    # The list's order first, then values on no list.
    assert by_reason["labels"] == ["No budget", "Bad timing - back to nurturing"]
    assert by_reason["datasets"][0]["data"] == [1, 2]
    over_time = charts["rejections-over-time"]["data"]
    assert over_time["labels"][-1] == "2025-01"
    assert charts["losses-by-owner"]["data"]["labels"] == ["Casey", "unassigned"]
    assert page.context["rejected_total"] == 3 and page.context["lost_total"] == 3
    csv = bob_client.get("/charts/reasons/losses-by-reason.csv?period=2025-01")
    assert csv.status_code == 200
    assert b"reason,Lost deals" in b"".join(csv.streaming_content)


def test_the_data_page_lists_the_values_to_map_with_a_link_to_the_lists(alpha, alice_client):
    from smarketing.funnel.panels import data_page_panel_names

    assert "dashboard.reasons_to_map" in data_page_panel_names()
    assert "Reasons to map" not in alice_client.get("/data/").content.decode()
    run_import(alpha, LEADS, "leads")
    page = alice_client.get("/data/").content.decode()
    assert "“Bad timing - back to nurturing” (2 rows)" in page
    assert 'href="/reasons/lists/#unknown-rejection"' in page
