"""Files at the edges: never a traceback, never a job left running.

A leads file with a known header plus 2,000 extra columns made the staging table exceed
PostgreSQL's 1,600 columns: the error was retried as if the connection had dropped, and the job
stayed "running" at 0% with no message. A content file with one key in two date spellings was
stored as one row where traffic rejects the same thing.
"""

from django_tenants.utils import schema_context

from smarketing.funnel.models import ContentDownload, ImportStatus, Traffic

from .conftest import problems, run_import


def test_a_file_with_too_many_columns_is_rejected_with_a_message(alpha):
    extra = ",".join(f"x{index}" for index in range(2000))
    header = f"lead_id,created_at,source,{extra}"
    row = "L1,2025-01-01,web," + ",".join("v" for _ in range(2000))
    job = run_import(alpha, f"{header}\n{row}\n", "leads")
    assert job.status == ImportStatus.REJECTED
    assert problems(alpha, job) == [
        "file: the file has 2,003 columns; at most 1,500 are accepted (remove the columns you "
        "do not import)"
    ]


def test_an_unexpected_database_error_fails_the_job_instead_of_retrying(alpha, monkeypatch):
    """Only a lost connection is worth a retry; any other error ends the job with a message."""
    from django.db import OperationalError

    from smarketing.funnel import services

    def boom(job):
        raise OperationalError("tables can have at most 1600 columns")

    monkeypatch.setattr(services, "import_job_execute", boom)
    job = run_import(alpha, "lead_id,created_at,source\nL1,2025-01-01,web\n", "leads")
    assert job.status == ImportStatus.FAILED
    assert problems(alpha, job) == [
        "file: the import failed unexpectedly and stored nothing; try again or contact support"
    ]


def test_one_content_key_in_two_date_spellings_is_rejected_like_traffic(alpha):
    content = "date,lead_id,asset\n2025-01-01,L1,guide\n2025-01-01T00:00:00,L1,guide\n"
    job = run_import(alpha, content, "content")
    assert job.status == ImportStatus.REJECTED
    assert problems(alpha, job) == [
        "row 3, column date: repeats the key of row 2 (a key may appear once per file)"
    ]
    traffic = "date,source,sessions\n2025-01-01,web,5\n2025-01-01T00:00:00,web,6\n"
    assert run_import(alpha, traffic, "traffic").status == ImportStatus.REJECTED
    with schema_context(alpha.schema_name):
        assert not ContentDownload.objects.exists()
        assert not Traffic.objects.exists()


def test_one_key_in_two_spellings_is_rejected_when_the_row_already_exists(alpha):
    run_import(alpha, "date,source,sessions\n2025-01-01,web,5\n", "traffic")
    run_import(alpha, "date,lead_id,asset\n2025-01-01,L1,guide\n", "content")
    traffic = "date,source,sessions\n2025-01-01T00:00:00,web,5\n2025-01-01,web,5\n"
    assert run_import(alpha, traffic, "traffic", name="t2.csv").status == ImportStatus.REJECTED
    content = "date,lead_id,asset\n2025-01-01T00:00:00,L1,guide\n2025-01-01,L1,guide\n"
    assert run_import(alpha, content, "content", name="c2.csv").status == ImportStatus.REJECTED
