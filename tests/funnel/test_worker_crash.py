"""A worker killed (SIGKILL) in the middle of an import, then restarted: the result equals one
clean import, because the whole import commits at once and the task is redelivered (by Redis
after its visibility timeout; with the SQLAlchemy fallback broker, by the stale-import check)."""

import io
import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.celery import app
from smarketing.funnel import services
from smarketing.funnel.models import ImportJob, ImportStatus, Lead
from smarketing.funnel.tasks import import_job_run_task
from tenants import provisioning

ROWS = 100_000


def leads_file() -> bytes:
    lines = ["lead_id,created_at,source,mql_at,owner"]
    lines += [
        f"L{n:06d},2025-01-{n % 28 + 1:02d}T10:00:00Z,web,{'' if n % 3 else '2025-02-01'},o{n % 7}"
        for n in range(ROWS)
    ]
    return ("\n".join(lines) + "\n").encode()


def table_digest(schema_name: str) -> tuple[int, str]:
    with schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(string_agg(concat_ws('|', lead_id, created_at, source, mql_at, "
            "owner), ',' ORDER BY lead_id)) FROM funnel_lead"
        )
        return cursor.fetchone()


def wait_for(condition, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    raise AssertionError("timed out")


def recover_with_the_stale_check(workspace, *, queue: str) -> None:
    later = timezone.now() + timedelta(seconds=services.import_stale_seconds() + 1)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with schema_context(workspace.schema_name):
            assert services.import_jobs_stale_recover(now=later).requeued
    finally:
        app.conf.task_default_queue = previous_queue


@pytest.mark.worker
def test_killed_worker_then_restart_equals_one_clean_import(
    django_db_setup, django_db_blocker, worker_starter
):
    content = leads_file()
    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        # Committed data in workspaces of their own: the worker process must see them.
        crashed = provisioning.workspace_create(
            slug=f"crash-{suffix}", name="Crash", domain=f"crash-{suffix}.localhost"
        )
        clean = provisioning.workspace_create(
            slug=f"clean-{suffix}", name="Clean", domain=f"clean-{suffix}.localhost"
        )
        try:
            with schema_context(clean.schema_name):
                job = services.import_job_create(
                    file=File(io.BytesIO(content)), file_name="leads.csv", kind="leads",
                    file_format="canonical", enqueue=False,
                ).job  # fmt: skip
                assert services.import_job_run(job_id=job.pk).status == ImportStatus.SUCCEEDED
            with schema_context(crashed.schema_name):
                job = services.import_job_create(
                    file=File(io.BytesIO(content)), file_name="leads.csv", kind="leads",
                    file_format="canonical", enqueue=False,
                ).job  # fmt: skip
                import_job_run_task.apply_async(args=[job.pk], queue=worker_starter.queue)

            def progress():
                with schema_context(crashed.schema_name):
                    return ImportJob.objects.filter(pk=job.pk, rows_read__gt=0).first()

            first = worker_starter()
            seen = wait_for(progress, timeout=60)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            with schema_context(crashed.schema_name):
                assert seen.status == ImportStatus.RUNNING
                assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.RUNNING
                assert Lead.objects.count() == 0  # nothing half-stored
            time.sleep(2.5)  # past the visibility timeout: the task is redelivered
            worker_starter()
            if not settings.CELERY_BROKER_URL.startswith("redis"):
                # The SQLAlchemy fallback broker loses a killed worker's unacknowledged task;
                # there the product's stale-import check sends it again.
                recover_with_the_stale_check(crashed, queue=worker_starter.queue)

            def finished():
                with schema_context(crashed.schema_name):
                    current = ImportJob.objects.get(pk=job.pk)
                    return current if current.is_finished else None

            result = wait_for(finished, timeout=120, interval=0.2)
            assert (result.status, result.rows_read, result.rows_stored) == (
                ImportStatus.SUCCEEDED,
                ROWS,
                ROWS,
            )
            assert table_digest(crashed.schema_name) == table_digest(clean.schema_name)
            assert table_digest(crashed.schema_name)[0] == ROWS
        finally:
            worker_starter.stop_all()  # nothing may still read the schemas dropped below
            for workspace in (crashed, clean):
                provisioning.workspace_delete(workspace=workspace)
            connection.set_schema_to_public()
