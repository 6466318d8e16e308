"""Helpers for import tests: run the real pipeline in-process on small hand-made files."""

import io
import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from django_tenants.utils import schema_context

from smarketing.funnel import services
from smarketing.funnel.models import Deal, ImportStatus, Lead
from tests.conftest import start_celery_worker, stop_celery_worker


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_import(
    workspace,
    content: bytes | str,
    kind: str = "",
    file_format: str = "canonical",
    *,
    skip_invalid: bool = False,
    name: str = "upload.csv",
    mapping: dict | str | None = None,
    save_mapping: bool = False,
):
    """Store `content` as an upload and run its import in-process, as the task would."""
    data = content.encode() if isinstance(content, str) else content
    with schema_context(workspace.schema_name):
        accepted = services.import_job_create(
            file=File(io.BytesIO(data), name=name),
            file_name=name,
            kind=kind,
            file_format=file_format if kind else "",
            skip_invalid=skip_invalid,
            mapping=None if mapping is None else services.mapping_parse(mapping, kind=kind),
            save_mapping=save_mapping,
            enqueue=False,
        )
        if not accepted.created:
            return accepted.job
        return services.import_job_run(job_id=accepted.job.pk)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def leads_by_id(workspace) -> dict[str, Lead]:
    with schema_context(workspace.schema_name):
        return {lead.lead_id: lead for lead in Lead.objects.all()}


def deals_by_id(workspace) -> dict[str, Deal]:
    with schema_context(workspace.schema_name):
        return {deal.deal_id: deal for deal in Deal.objects.all()}


def imported(workspace, path: Path, kind: str = "", file_format: str = "", **options):
    """The fixture at `path` imported unchanged; it must be stored."""
    job = run_import(workspace, path.read_bytes(), kind, file_format, name=path.name, **options)
    assert job.status == ImportStatus.SUCCEEDED, problems(workspace, job)
    return job


def kpis(workspace, period: str, by: str | None = None) -> dict:
    """`compute_kpis SLUG --period P --json` as a user runs it (SPEC section 6)."""
    out = io.StringIO()
    call_command("compute_kpis", workspace.slug, period=period, by=by, as_json=True, stdout=out)
    return json.loads(out.getvalue())


def problems(workspace, job, severity: str = "error") -> list[str]:
    with schema_context(workspace.schema_name):
        return [p.text for p in job.problems.filter(severity=severity).order_by("row_number", "pk")]


def start_worker(queue: str, media_root, visibility_timeout: int = 2) -> subprocess.Popen:
    """A fresh worker process on `queue`, so a test may kill one and start another.

    Unacknowledged tasks are redelivered (by Redis) after `visibility_timeout` seconds.
    """
    return start_celery_worker(
        queue, CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout), MEDIA_ROOT=str(media_root)
    )


@pytest.fixture
def worker_starter(settings):
    """Start workers on a private queue; every worker still running is stopped afterwards."""
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        workers.append(start_worker(queue, settings.MEDIA_ROOT))
        return workers[-1]

    def stop_all() -> None:
        for worker in workers:
            stop_celery_worker(worker)

    start.queue = queue  # type: ignore[attr-defined]
    # A test stops them before dropping the workspaces they work in: a worker still reading
    # several tables (the import's follow-ups) can deadlock with DROP SCHEMA … CASCADE.
    start.stop_all = stop_all  # type: ignore[attr-defined]
    yield start
    stop_all()
