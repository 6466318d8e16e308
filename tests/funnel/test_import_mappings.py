# ruff: noqa: E501  (exact report lines read best unwrapped)
"""Mapping files through every entry point (command line, API, saved for a header), the
preview, and the rules around them: checked before any row is read, problems said once and
named by the file's column, a rejected import never blocking the corrected one."""

import io
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from smarketing.funnel import selectors
from smarketing.funnel.management.commands.import_data import ignored_summary
from smarketing.funnel.models import ColumnMapping, Deal, ImportJob, ImportStatus, Lead
from tests.conftest import BETA_HOST, client_for
from tests.funnel.conftest import problems, run_import

FIXTURES = Path(__file__).parent / "fixtures"
MQLS = FIXTURES / "olist_marketing_qualified_leads.csv"
MQLS_MAPPING = FIXTURES / "olist_marketing_qualified_leads.mapping.json"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def lead_count(workspace) -> int:
    with schema_context(workspace.schema_name):
        return Lead.objects.count()


def write(tmp_path, name: str, content: str | dict) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


# --- the command line ---------------------------------------------------------------------


def test_the_command_imports_with_a_mapping_file_and_says_so(alpha):
    code, out, err = cli("alpha", "leads", str(MQLS), "--mapping", str(MQLS_MAPPING))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Ignored columns (1): landing_page_id",
        "Mapping: given with the file.",
        "Imported leads (canonical): 5 rows read, 5 stored, 0 unchanged, 0 rejected.",
    ]
    assert lead_count(alpha) == 5


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"kind": "leads", "columns": {"lead": "mql_id"}}, '"columns": "lead" is not a column of leads'),
        ({"kind": "leads", "date_order": "D/M/Y"}, '"date_order": "D/M/Y" is not one of DMY, MDY, YMD'),
        ({"kind": "deals"}, "the mapping is for deals, but the file is imported as leads"),
        ("{not json", "the mapping is not valid JSON"),
    ],
)  # fmt: skip
def test_a_bad_mapping_file_is_refused_before_the_file_is_read(alpha, tmp_path, mapping, message):
    path = write(tmp_path, "mapping.json", mapping)
    code, out, err = cli("alpha", "leads", str(MQLS), "--mapping", path)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"{path}: mapping: {message}")
    with schema_context(alpha.schema_name):
        assert not ImportJob.objects.exists()
    assert lead_count(alpha) == 0


def test_a_mapping_naming_a_column_the_file_lacks_stores_nothing(alpha, tmp_path):
    path = write(
        tmp_path, "mapping.json", {"kind": "leads", "columns": {"created_at": "first_contact"}}
    )
    code, _, err = cli("alpha", "leads", str(MQLS), "--mapping", path)
    assert code == 1
    assert err.splitlines() == [
        'file: mapping: "columns": created_at names "first_contact", which is not a column of '
        'the file (its columns: "mql_id", "first_contact_date", "landing_page_id", "origin")',
        "Nothing stored: 1 problem(s) in 0 row(s).",
    ]
    assert lead_count(alpha) == 0


def test_a_bad_cell_feeding_two_columns_is_one_problem_named_by_the_files_column(
    alpha, tmp_path, caplog
):
    content = "mql_id,first_contact_date,origin\nM1,31-02-2018,email\nM2,01-03-2018,email\n"
    with caplog.at_level(logging.INFO):
        code, _, err = cli(
            "alpha", "leads", write(tmp_path, "mqls.csv", content), "--mapping", str(MQLS_MAPPING)
        )
    assert code == 1
    assert err.splitlines() == [
        'row 2, column first_contact_date: "31-02-2018" is not a date in DMY order (14/03/2025) '
        "or ISO 8601 (2025-03-14 or 2025-03-14T09:30:00Z)",
        "Nothing stored: 1 problem(s) in 1 row(s).",
    ]
    # Nothing but the report: no log line (PL/pgSQL context, COPY fallback) on the terminal.
    assert [record for record in caplog.records if record.levelno >= logging.INFO] == []


def test_long_lists_of_ignored_columns_are_summarised(alpha, tmp_path):
    extras = [f"Custom Property {n}" for n in range(1, 571)]
    header = ",".join(["lead_id", "created_at", "source", *extras])
    row = ",".join(["L1", "2025-01-01", "web", *[""] * len(extras)])
    code, out, _ = cli("alpha", "leads", write(tmp_path, "wide.csv", f"{header}\n{row}\n"))
    assert code == 0
    assert out.splitlines()[0] == (
        "Ignored columns (570): " + ", ".join(extras[:10]) + " and 560 more"
    )
    assert ignored_summary(["a", "b"]) == "Ignored columns (2): a, b"


def test_a_rejected_import_never_blocks_the_corrected_one(alpha):
    first = cli("alpha", "leads", str(MQLS))
    assert first[0] == 1 and "this required column is missing" in first[2]
    again = cli("alpha", "leads", str(MQLS))  # the same bytes: tried again, not "already imported"
    assert again[0] == 1 and "already imported" not in again[1]
    corrected = cli("alpha", "leads", str(MQLS), "--mapping", str(MQLS_MAPPING))
    assert corrected[0] == 0 and lead_count(alpha) == 5
    done = cli("alpha", "leads", str(MQLS), "--mapping", str(MQLS_MAPPING))
    assert done[0] == 0 and done[1].startswith("This file was already imported")


def test_a_saved_mapping_serves_the_next_file_with_the_same_header_even_undeclared(alpha):
    code, _, _ = cli("alpha", "leads", str(MQLS), "--mapping", str(MQLS_MAPPING), "--save-mapping")
    assert code == 0
    later = "mql_id,first_contact_date,landing_page_id,origin\nM9,28-02-2018,lp9,email\n"
    job = run_import(alpha, later, kind="")  # kind and format detected
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    assert (job.kind, job.format, job.mapping_origin) == ("leads", "canonical", "header")
    with schema_context(alpha.schema_name):
        assert Lead.objects.get(lead_id="M9").mql_at.isoformat() == "2018-02-28T00:00:00+00:00"


def test_a_status_mapped_onto_a_hubspot_flag_column_still_reads_every_deal(alpha):
    job = run_import(
        alpha,
        (FIXTURES / "hubspot_deals_custom_pipelines.csv").read_bytes(),
        "deals",
        "hubspot",
        mapping={"kind": "deals", "columns": {"status": "Is Closed Won"}},
    )
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    with schema_context(alpha.schema_name):
        statuses = dict(Deal.objects.values_list("deal_id", "status"))
    assert statuses["1002"] == "won" and statuses["1005"] == "lost" and statuses["1006"] == "open"


def test_values_translate_file_values_and_a_star_catches_the_rest(alpha):
    content = (
        "opportunity_id,sales_agent,deal_stage,engage_date,close_date,close_value\n"
        "1C1I7A6R,Moses Frase,Won,2016-10-20,2017-03-01,1054\n"
        "Z063OYW0,Darcel Schlecht,Lost,2016-10-25,2017-03-11,0\n"
        "EC4QE1BX,Darcel Schlecht,Engaging,2016-10-25,,\n"
    )
    maven = {
        "kind": "deals",
        "columns": {
            "deal_id": "opportunity_id", "created_at": "engage_date", "closed_at": "close_date",
            "status": "deal_stage", "amount": "close_value", "owner": "sales_agent",
        },
        "values": {"status": {"Won": "won", "Lost": "lost", "*": "open"}, "amount": {"": "0"}},
    }  # fmt: skip
    job = run_import(alpha, content, "deals", mapping=maven)
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    with schema_context(alpha.schema_name):
        stored = {d.deal_id: (d.status, str(d.amount)) for d in Deal.objects.all()}
    assert stored == {
        "1C1I7A6R": ("won", "1054.0000"),
        "Z063OYW0": ("lost", "0.0000"),
        "EC4QE1BX": ("open", "0.0000"),
    }


# --- the API ------------------------------------------------------------------------------


def test_api_upload_takes_a_mapping_and_refuses_a_bad_one(alpha, alice_client):
    mapping_text = MQLS_MAPPING.read_text()
    response = alice_client.post(
        "/api/v1/imports/",
        {"file": io.BytesIO(MQLS.read_bytes()), "kind": "leads", "mapping": mapping_text},
        format="multipart",
    )
    assert response.status_code == 202
    assert response.json()["mapping"]["columns"]["source"] == "origin"
    bad = alice_client.post(
        "/api/v1/imports/",
        {"file": io.BytesIO(MQLS.read_bytes()), "kind": "leads", "mapping": '{"kind": "x"}'},
        format="multipart",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "mapping": [
            'mapping: "kind": "x" is not one of leads, deals, spend, traffic, activities, content'
        ]
    }


def test_api_saves_a_mapping_for_a_header_and_lists_it_to_its_workspace_only(
    alpha, beta, alice_client, bob_client, charlie
):
    header = ["mql_id", "first_contact_date", "landing_page_id", "origin"]
    body = {
        "format": "canonical",
        "header": header,
        "mapping": json.loads(MQLS_MAPPING.read_text()),
    }
    assert bob_client.post(
        "/api/v1/import-mappings/", body, content_type="application/json"
    ).status_code == 403  # fmt: skip
    created = alice_client.post("/api/v1/import-mappings/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    listed = alice_client.get("/api/v1/import-mappings/").json()
    assert [(row["kind"], row["header"]) for row in listed] == [("leads", header)]
    assert bob_client.get("/api/v1/import-mappings/").json() == listed  # viewers may read
    outsider = client_for(BETA_HOST, charlie)
    assert outsider.get("/api/v1/import-mappings/").json() == []
    assert outsider.delete(f"/api/v1/import-mappings/{listed[0]['id']}/").status_code == 404
    # The next file with this header is read with it, its kind detected.
    job = run_import(alpha, MQLS.read_bytes(), kind="")
    assert (job.status, job.mapping_origin) == (ImportStatus.SUCCEEDED, "header")
    assert alice_client.delete(f"/api/v1/import-mappings/{listed[0]['id']}/").status_code == 204
    with schema_context(alpha.schema_name):
        assert not ColumnMapping.objects.exists()


def test_api_refuses_a_saved_mapping_naming_a_column_its_header_lacks(alice_client):
    body = {
        "format": "canonical",
        "header": ["mql_id"],
        "mapping": {"kind": "leads", "columns": {"created_at": "first_contact_date"}},
    }
    response = alice_client.post("/api/v1/import-mappings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "is not a column of the file" in response.json()["mapping"][0]


def test_draft_preview_then_import_with_the_mapping(alpha, alice_client):
    draft = alice_client.post(
        "/api/v1/imports/",
        {"file": io.BytesIO((FIXTURES / "olist_closed_deals.csv").read_bytes()), "draft": "true"},
        format="multipart",
    ).json()
    assert draft["status"] == "draft"
    deals_mapping = json.loads((FIXTURES / "olist_closed_deals.mapping.json").read_text())
    preview = alice_client.post(
        f"/api/v1/imports/{draft['id']}/preview/",
        {"kind": "deals", "mapping": deals_mapping},
        content_type="application/json",
    )
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["kind"], body["format"], body["rows_read"], body["problems"]) == (
        "deals", "canonical", 3, [],
    )  # fmt: skip
    first = body["rows"][0]
    assert first["row"] == 2 and first["problems"] == {}
    assert (first["values"]["status"], first["values"]["amount"]) == ("won", "1500.0000")
    assert first["values"]["closed_at"].startswith("2018-01-20 14:30:00")
    columns = {column["name"]: column for column in body["columns"]}
    assert (columns["status"]["constant"], columns["amount"]["file_column"]) == (
        True, "declared_monthly_revenue",
    )  # fmt: skip
    with schema_context(alpha.schema_name):  # a preview writes nothing
        assert not Deal.objects.exists()
        assert not ImportJob.objects.get(pk=draft["id"]).problems.exists()
    queued = alice_client.post(
        f"/api/v1/imports/{draft['id']}/map/",
        {"kind": "deals", "mapping": deals_mapping},
        content_type="application/json",
    )
    assert queued.status_code == 202 and queued.json()["id"] == draft["id"]
    assert queued.json()["status"] == "queued"


def test_preview_lists_the_files_values_beside_an_enum_column(alpha):
    content = (
        "opportunity_id,deal_stage,engage_date,close_date,close_value\n"
        "A,Won,2016-10-20,2017-03-01,10\nB,Won,2016-10-20,2017-03-01,20\n"
        "C,Engaging,2016-10-25,,\nD,Lost,2016-10-25,2017-01-01,0\n"
    )
    job = run_import(alpha, content, "deals")  # rejected: its columns are not canonical
    assert job.status == ImportStatus.REJECTED
    mapping = {
        "kind": "deals",
        "columns": {"deal_id": "opportunity_id", "created_at": "engage_date",
                    "closed_at": "close_date", "status": "deal_stage", "amount": "close_value"},
    }  # fmt: skip
    from smarketing.funnel.services import mapping_parse

    with schema_context(alpha.schema_name):
        preview = selectors.import_preview_get(
            job=job, kind="deals", mapping=mapping_parse(mapping, kind="deals")
        )
    assert preview.distinct_values["status"] == [
        {"value": "Won", "rows": 2, "becomes": ["won"]},
        {"value": "Engaging", "rows": 1, "becomes": ["engaging"]},
        {"value": "Lost", "rows": 1, "becomes": ["lost"]},
    ]
    assert preview.rows[2]["row"] == 4
    assert preview.rows[2]["problems"] == {
        "status": '"Engaging" is not one of open, won, lost',
        "amount": "is required",
    }
