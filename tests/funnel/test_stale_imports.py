"""An import whose task message was lost is requeued once, then failed, never left "running"."""

import io
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.funnel import services
from smarketing.funnel.models import ImportJob, ImportStatus, Lead

LEADS = b"lead_id,created_at,source\nL1,2025-01-01,web\n"
STALE = timedelta(seconds=900)


@pytest.fixture(autouse=True)
def _stale_after_15_minutes(settings):
    settings.FUNNEL_IMPORT_STALE_SECONDS = 900


def queued_job(content: bytes = LEADS, age: timedelta = timedelta(0), **fields) -> ImportJob:
    """A job whose task was handed to the broker `age` ago and never delivered (lost)."""
    job = services.import_job_create(
        file=File(io.BytesIO(content)), file_name="leads.csv", kind="leads",
        file_format="canonical", enqueue=False,
    ).job  # fmt: skip
    fields = {"dispatched_at": timezone.now() - age, **fields}
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age, **fields)
    return ImportJob.objects.get(pk=job.pk)


def recover(capture, now=None):
    with capture(execute=False) as callbacks:
        stale = services.import_jobs_stale_recover(now=now)
    return stale, callbacks


@pytest.fixture
def other_connection():
    """A second database session, as another worker process would have."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"], autocommit=True
    ) as conn:
        yield conn


def test_a_lost_queued_import_is_requeued_once_then_failed_with_a_reason(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema_name):
        lost = queued_job(age=STALE + timedelta(minutes=1))
        stale, callbacks = recover(django_capture_on_commit_callbacks)
        assert (stale.requeued, stale.failed, len(callbacks)) == ([lost.pk], [], 1)
        job = ImportJob.objects.get(pk=lost.pk)
        assert job.status == ImportStatus.QUEUED and job.requeued_at is not None
        assert job.dispatched_at is None  # back in the outbox, which sends it (on commit):
        ImportJob.objects.filter(pk=lost.pk).update(dispatched_at=timezone.now())

        # Checked again soon after: the requeued task has its time, nothing more is sent.
        stale, callbacks = recover(django_capture_on_commit_callbacks)
        assert (stale.requeued, stale.failed, len(callbacks)) == ([], [], 0)

        # Still nothing after another full period: that message was lost too.
        later = timezone.now() + STALE + timedelta(minutes=1)
        stale, callbacks = recover(django_capture_on_commit_callbacks, now=later)
        assert (stale.requeued, stale.failed, len(callbacks)) == ([], [lost.pk], 0)
        job = ImportJob.objects.get(pk=lost.pk)
        assert (job.status, job.error_count, job.finished_at) == (ImportStatus.FAILED, 1, later)
        assert [problem.text for problem in job.problems.all()] == [
            f"file: {services.STALE_MESSAGE}"
        ]

        # Idempotent, and a late delivery of the lost task leaves the failed job alone.
        stale, _ = recover(django_capture_on_commit_callbacks, now=later)
        assert (stale.requeued, stale.failed) == ([], [])
        assert services.import_job_run(job_id=lost.pk).status == ImportStatus.FAILED
        assert Lead.objects.count() == 0

        # The same file uploaded again is a new import, not "already imported".
        again = services.import_job_create(
            file=File(io.BytesIO(LEADS)), file_name="leads.csv", kind="leads",
            file_format="canonical", enqueue=False,
        )  # fmt: skip
        assert again.created and again.job.pk != lost.pk


def test_a_running_import_whose_worker_died_is_requeued_and_then_runs(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema_name):
        old = timezone.now() - STALE - timedelta(minutes=5)
        died = queued_job(age=timedelta(hours=1), status=ImportStatus.RUNNING, started_at=old)
        stale, callbacks = recover(django_capture_on_commit_callbacks)
        assert stale.requeued == [died.pk] and len(callbacks) == 1
        # What the requeued task does:
        job = services.import_job_run(job_id=died.pk)
        assert (job.status, job.rows_stored) == (ImportStatus.SUCCEEDED, 1)
        assert list(Lead.objects.values_list("lead_id", flat=True)) == ["L1"]


def test_recent_and_finished_imports_are_left_alone(alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema_name):
        recent = queued_job(age=STALE - timedelta(minutes=1))
        started = queued_job(
            content=LEADS + b"L2,2025-01-02,web\n",
            age=timedelta(hours=2),
            status=ImportStatus.RUNNING,
            started_at=timezone.now() - timedelta(seconds=10),  # about to take the lock
        )
        done = queued_job(
            content=LEADS + b"L3,2025-01-03,web\n",
            age=timedelta(days=1),
            status=ImportStatus.SUCCEEDED,
        )
        stale, callbacks = recover(django_capture_on_commit_callbacks)
        assert (stale.requeued, stale.failed, len(callbacks)) == ([], [], 0)
        statuses = dict(
            ImportJob.objects.filter(pk__in=[recent.pk, started.pk, done.pk]).values_list(
                "pk", "status"
            )
        )
        assert statuses == {
            recent.pk: ImportStatus.QUEUED,
            started.pk: ImportStatus.RUNNING,
            done.pk: ImportStatus.SUCCEEDED,
        }


def test_nothing_is_touched_while_an_import_runs_in_that_workspace_only(
    alpha, beta, other_connection, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema_name):
        waiting = queued_job(age=STALE + timedelta(minutes=1))
    with schema_context(beta.schema_name):
        lost = queued_job(age=STALE + timedelta(minutes=1))
    # Another worker is importing into alpha: it holds alpha's import lock.
    other_connection.execute(
        "SELECT pg_advisory_lock(hashtext(%s))", [f"funnel_import:{alpha.schema_name}"]
    )
    try:
        with schema_context(alpha.schema_name):
            stale, callbacks = recover(django_capture_on_commit_callbacks)
            assert (stale.requeued, stale.failed, len(callbacks)) == ([], [], 0)
            assert ImportJob.objects.get(pk=waiting.pk).requeued_at is None
        with schema_context(beta.schema_name):
            stale, _ = recover(django_capture_on_commit_callbacks)
            assert stale.requeued == [lost.pk]
    finally:
        other_connection.execute("SELECT pg_advisory_unlock_all()")


def test_a_running_import_whose_worker_died_is_requeued_at_the_next_check(
    alpha, django_capture_on_commit_callbacks
):
    """ "Running" while nothing holds the import lock (a killed worker's connection released
    it): sent again at the next check (every minute), not after the 15-minute stale period,
    nor after the broker's one-hour visibility timeout."""
    with schema_context(alpha.schema_name):
        dead = queued_job(
            age=timedelta(minutes=2),
            status=ImportStatus.RUNNING,
            started_at=timezone.now() - timedelta(minutes=1),
        )
        waiting = queued_job(
            content=LEADS + b"L9,2025-01-09,web\n", age=timedelta(hours=2), dispatched_at=None
        )
        stale, callbacks = recover(django_capture_on_commit_callbacks)
        assert (stale.requeued, stale.failed, len(callbacks)) == ([dead.pk], [], 1)
        # A job the broker never had (still in the outbox) is waiting, not stale.
        assert ImportJob.objects.get(pk=waiting.pk).status == ImportStatus.QUEUED
