"""A worker SIGKILLed in the middle of a KPI refresh: the stale check (beat, every minute) finds
the job "running" while nothing holds the workspace's refresh lock, sends it again, and the
snapshots stored equal one clean refresh. Before, a KPI job had no stale recovery at all: it
said "running" until the nightly run, or the broker's one-hour visibility timeout."""

import io
import os
import signal
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.core.files import File
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.celery import app
from smarketing.funnel import services as funnel_services
from smarketing.kpis import services
from smarketing.kpis.models import JobStatus, KpiSnapshot, KpiSnapshotJob
from tenants import provisioning
from tests.conftest import start_celery_worker, stop_celery_worker
from tests.conftest import test_database_url as database_url_of_tests
from tests.funnel.test_worker_crash import wait_for


def _leads() -> str:
    """300 leads of the last six weeks: a refresh of a few periods, not two years of them."""
    today = timezone.now().date()
    rows = [
        f"K{n},{today - timedelta(days=n % 40)}T10:00:00Z,{('web', 'events')[n % 2]},"
        f"{today - timedelta(days=n % 5) if n % 3 == 0 else ''},o{n % 4}\n"
        for n in range(300)
    ]
    return "lead_id,created_at,source,mql_at,owner\n" + "".join(rows)


def _import(workspace) -> None:
    with schema_context(workspace.schema_name):
        job = funnel_services.import_job_create(
            file=File(io.BytesIO(_leads().encode())), file_name="leads.csv", kind="leads",
            file_format="canonical", enqueue=False,
        ).job  # fmt: skip
        funnel_services.import_job_run(job_id=job.pk)


def _snapshots(workspace) -> list[tuple]:
    with schema_context(workspace.schema_name):
        return list(
            KpiSnapshot.objects.order_by("grain", "period_start").values_list(
                "grain", "label", "kpis", "by_source", "by_owner"
            )
        )


def test_the_registry_has_a_stale_check_for_refreshes(db):
    assert callable(services.kpi_snapshot_jobs_stale_recover)


@pytest.mark.worker
def test_killed_refresh_is_recovered_and_equals_one_clean_refresh(
    django_db_setup, django_db_blocker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"test-refresh-kill-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    suffix = uuid.uuid4().hex[:6]
    workers = []
    with django_db_blocker.unblock():
        crashed = provisioning.workspace_create(
            slug=f"kcrash-{suffix}", name="Crash", domain=f"kcrash-{suffix}.localhost"
        )
        clean = provisioning.workspace_create(
            slug=f"kclean-{suffix}", name="Clean", domain=f"kclean-{suffix}.localhost"
        )
        try:
            for workspace in (clean, crashed):
                _import(workspace)  # each queues (and sends, on commit) its refresh job
            with schema_context(clean.schema_name):
                for job in KpiSnapshotJob.objects.all():
                    services.kpi_snapshot_refresh(job=job)  # the clean run, in-process
            locker = psycopg.connect(
                database_url_of_tests().replace("postgres://", "postgresql://")
            )
            locker.execute(f"LOCK TABLE {crashed.schema_name}.kpis_kpisnapshot IN EXCLUSIVE MODE")
            workers.append(start_celery_worker(queue, MEDIA_ROOT=str(settings.MEDIA_ROOT)))

            def running():
                with schema_context(crashed.schema_name):
                    return KpiSnapshotJob.objects.filter(status=JobStatus.RUNNING).first()

            job = wait_for(running, timeout=60, interval=0.1)
            # Computing done, writing blocked by the lock: the worker dies right there.
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            locker.rollback()
            locker.close()
            with schema_context(crashed.schema_name):
                assert KpiSnapshot.objects.count() == 0  # nothing half-written
                # Beat's check, a minute later: "running" with the refresh lock free.
                later = timezone.now() + services.RUNNING_GRACE + timedelta(seconds=1)
                stale = services.kpi_snapshot_jobs_stale_recover(now=later)
                assert stale.requeued == [job.pk]
            workers.append(start_celery_worker(queue, MEDIA_ROOT=str(settings.MEDIA_ROOT)))

            def finished():
                with schema_context(crashed.schema_name):
                    current = KpiSnapshotJob.objects.get(pk=job.pk)
                    return current.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and current

            assert wait_for(finished, timeout=120, interval=0.2).status == JobStatus.SUCCEEDED
            assert _snapshots(crashed) == _snapshots(clean)
            assert len(_snapshots(crashed)) >= 8
        finally:
            for worker in workers:
                stop_celery_worker(worker)
            app.conf.task_default_queue = previous_queue
            for workspace in (crashed, clean):
                provisioning.workspace_delete(workspace=workspace)
            connection.set_schema_to_public()
