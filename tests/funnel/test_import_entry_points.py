"""The API, the pages and the command line share one pipeline; nothing leaks across workspaces."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from smarketing.funnel import services
from smarketing.funnel.models import ImportJob, ImportStatus, Lead
from tests.conftest import BETA_HOST, client_for
from tests.funnel.conftest import run_import

GOOD = b"lead_id,created_at,source\nL1,2025-01-01,web\nL2,2025-01-02,email\n"
BAD = b"lead_id,created_at,source\nL1,2025-01-01,web\nL2,yesterday,email\n"


def upload(client, content: bytes, **fields):
    return client.post(
        "/api/v1/imports/", {"file": io.BytesIO(content), **fields}, format="multipart"
    )


def test_api_upload_answers_an_id_and_a_status_url_and_queues_the_import(alpha, alice_client):
    response = upload(alice_client, GOOD, kind="leads", format="canonical")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["already_imported"] is False
    assert body["status_url"] == f"/api/v1/imports/{body['id']}/"
    with schema_context(alpha.schema_name):
        services.import_job_run(job_id=body["id"])
    status = alice_client.get(body["status_url"]).json()
    assert (status["status"], status["rows_read"], status["rows_stored"], status["percent"]) == (
        "succeeded",
        2,
        2,
        100,
    )
    again = upload(alice_client, GOOD, kind="leads", format="canonical")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["already_imported"] is True


def test_api_reports_every_problem_and_the_rejected_rows(alpha, alice_client):
    body = upload(alice_client, BAD, kind="leads").json()
    with schema_context(alpha.schema_name):
        services.import_job_run(job_id=body["id"])
    status = alice_client.get(body["status_url"]).json()
    assert status["status"] == "rejected"
    assert status["problems"] == [
        'row 3, column created_at: "yesterday" is not an ISO 8601 date '
        "(2025-03-14 or 2025-03-14T09:30:00Z)"
    ]
    download = alice_client.get(status["rejected_rows_url"])
    assert download.status_code == 200
    assert (
        b"".join(download.streaming_content)
        .decode()
        .splitlines()[1]
        .startswith("3,L2,yesterday,email,")
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"file": "not a file"},
        {"file": io.BytesIO(b"")},
        {"file": io.BytesIO(GOOD), "kind": "planets"},
        {"file": io.BytesIO(GOOD), "format": "excel"},
        {"file": io.BytesIO(GOOD), "kind": "spend", "format": "hubspot"},
        {"file": io.BytesIO(GOOD), "skip_invalid": "perhaps"},
    ],
)
def test_api_refuses_garbage_requests_with_a_400(alice_client, fields):
    response = alice_client.post("/api/v1/imports/", fields, format="multipart")
    assert response.status_code == 400
    assert response.json()


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02garbage" * 50,
        bytes(range(128, 256)) * 20,
        b'"unterminated,quote\nL1,2025-01-01,web\n',
        b"lead_id,created_at,source\n" + b"L1,2025-01-01," + b"x" * 5000 + b"\n",
        b"a;b;c\n1;2\n3;4;5;6\n",
        "lead_id,created_at,source\n\u202e\U0001f600,2025-01-01,web\n".encode("utf-16"),
        b"\xef\xbb\xbf",
        b",,,\n,,,\n",
    ],
)
def test_no_garbage_file_makes_a_server_error(alpha, alice_client, content):
    response = upload(alice_client, content)
    assert response.status_code in (200, 202, 400)
    if response.status_code == 400:
        return
    with schema_context(alpha.schema_name):
        job = services.import_job_run(job_id=response.json()["id"])
    assert job.status in (ImportStatus.SUCCEEDED, ImportStatus.REJECTED)
    assert alice_client.get(f"/data/imports/{job.pk}/").status_code == 200


def test_viewers_see_the_history_but_cannot_upload(alpha, bob_client, alice):
    job = run_import(alpha, GOOD, "leads")
    assert upload(bob_client, GOOD, kind="leads").status_code == 403
    assert [row["id"] for row in bob_client.get("/api/v1/imports/").json()] == [job.pk]
    page = bob_client.get("/data/")
    assert (
        page.status_code == 200
        and b"upload.csv" in page.content
        and b"import-form" not in page.content
    )


def test_an_import_is_invisible_from_another_workspace(alpha, beta, alice_client, charlie_client):
    job = run_import(alpha, BAD, "leads", name="alpha-secret.csv")
    assert alice_client.get(f"/api/v1/imports/{job.pk}/").status_code == 200
    for path in (
        f"/api/v1/imports/{job.pk}/",
        f"/api/v1/imports/{job.pk}/rejected-rows/",
        f"/data/imports/{job.pk}/",
        f"/data/imports/{job.pk}/rejected-rows.csv",
    ):
        assert charlie_client.get(path).status_code == 404, path
    assert charlie_client.get("/api/v1/imports/").json() == []
    assert b"alpha-secret.csv" not in charlie_client.get("/data/").content
    assert charlie_client.get("/api/v1/exports/leads/").status_code == 200
    assert b"L2" not in b"".join(charlie_client.get("/data/export/leads.csv").streaming_content)
    anonymous = client_for(BETA_HOST)
    assert anonymous.get(f"/api/v1/imports/{job.pk}/").status_code in (401, 403)


def test_page_upload_with_detection_then_the_detail_page(alpha, alice_client):
    response = alice_client.post("/data/", {"file": io.BytesIO(GOOD), "kind": "", "format": ""})
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        job = ImportJob.objects.get()
        services.import_job_run(job_id=job.pk)
        assert Lead.objects.count() == 2
    page = alice_client.get(response.url)
    assert page.status_code == 200
    assert b"Succeeded" in page.content and f"/api/v1/imports/{job.pk}/".encode() in page.content


def test_export_escapes_values_spreadsheets_would_run(alpha, alice_client):
    run_import(alpha, "lead_id,created_at,source,owner\nL1,2025-01-01,web,=HYPERLINK(1)\n", "leads")
    body = b"".join(alice_client.get("/api/v1/exports/leads/").streaming_content).decode()
    lines = body.splitlines()
    assert lines[0].startswith("lead_id,created_at,source,campaign")
    assert lines[1].startswith("L1,2025-01-01T00:00:00+00:00,web,") and "'=HYPERLINK(1)" in lines[1]


def test_admin_saves_a_column_mapping_through_the_api(alpha, alice_client, bob_client):
    url = "/api/v1/import-mappings/deals/salesforce/"
    payload = {"columns": {"lost_reason": "Why_We_Lost__c"}}
    assert bob_client.put(url, payload, content_type="application/json").status_code == 403
    response = alice_client.put(url, payload, content_type="application/json")
    assert response.json()["columns"] == {"lost_reason": "Why_We_Lost__c"}
    assert alice_client.get(url).json()["columns"] == {"lost_reason": "Why_We_Lost__c"}


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except CommandError as error:
        code, err = 1, io.StringIO(str(error))
    return code, out.getvalue(), err.getvalue()


def test_command_line_exit_codes_and_problem_lines(alpha, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD + b"L3,2025-01-03,\n")
    code, _out, err = run_command("alpha", "leads", str(bad))
    assert code == 1
    assert err.splitlines()[:2] == [
        'row 3, column created_at: "yesterday" is not an ISO 8601 date '
        "(2025-03-14 or 2025-03-14T09:30:00Z)",
        "row 4, column source: is required",
    ]
    with schema_context(alpha.schema_name):
        assert Lead.objects.count() == 0
    code, out, _err = run_command("alpha", "leads", str(good))
    assert code == 0 and "2 stored" in out
    code, out, _err = run_command("alpha", "leads", str(bad), "--skip-invalid")
    assert code == 0 and "1 rejected" not in out and "2 rejected" in out
    assert run_command("nowhere", "leads", str(good))[0] != 0
