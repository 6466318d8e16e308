"""Imports, KPI refreshes and emails land on queues of their own (smarketing/core/queues.py),
proved on the real broker: first by what waits in each queue, then by two real worker
processes, one consuming only imports and one only refreshes, each running only its kind."""

import time
import uuid

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from smarketing.celery import app
from smarketing.core.queues import (
    EMAIL,
    IMPORTS,
    REFRESH,
    queue_name,
    queue_names,
    task_kind_register,
    task_route,
    workspace_shard,
)
from smarketing.funnel.tasks import import_job_run_task
from smarketing.kpis.tasks import kpi_snapshot_refresh_task
from tests.conftest import _result_backend_for, start_celery_worker, stop_celery_worker
from tests.conftest import test_database_url as database_url_of_tests

MISSING_JOB = 987654321  # no such job: both tasks answer without touching anything


def test_each_kind_has_its_queue_and_the_rest_stays_on_the_default():
    route = lambda name: (task_route(name, (), {}, {}) or {}).get("queue")  # noqa: E731
    default = app.conf.task_default_queue
    assert route("funnel.import_job_run") == f"{default}.imports"
    assert route("kpis.snapshot_refresh") == f"{default}.refresh"
    assert route("surveys.invitations_send") == f"{default}.email"
    assert route("slas.evaluate") == f"{default}.refresh"
    assert route("dashboard.alignment_report_email") == f"{default}.email"
    assert route("tenants.outbox_dispatch_all") is None  # fan-outs and checks: default queue
    # A worker without -Q (make run) consumes all of them.
    configured = settings.CELERY_TASK_DEFAULT_QUEUE
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == queue_names(configured)


def test_a_kind_must_be_one_of_the_queues():
    with pytest.raises(ValueError, match="unknown queue kind"):
        task_kind_register("funnel.import_job_run", "bulk")


def test_with_shards_a_workspace_always_lands_on_the_same_queue(settings, alpha, beta):
    settings.CELERY_QUEUE_SHARDS = 4
    default = app.conf.task_default_queue
    for workspace in (alpha, beta):
        with schema_context(workspace.schema_name):
            queue = task_route("funnel.import_job_run", (), {}, {})["queue"]
        assert queue == queue_name(default, IMPORTS, workspace_shard(workspace.schema_name, 4))
    assert len(queue_names(default, 4)) == 1 + 3 * 4


@pytest.fixture
def private_queue():
    """This test's own default queue (and kinds), with a result backend, restored afterwards."""
    queue = f"test-queues-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue, app.conf.result_backend
    app.conf.task_default_queue = queue
    app.conf.result_backend = _result_backend_for(app.conf.broker_url, database_url_of_tests())
    app._local.__dict__.pop("backend", None)
    yield queue
    with app.connection_for_write() as broker:
        for name in queue_names(queue):
            broker.default_channel.queue_purge(name)
    app.conf.task_default_queue, app.conf.result_backend = previous
    app._local.__dict__.pop("backend", None)


def _waiting(queue: str) -> int:
    with app.connection_for_write() as broker:
        return broker.default_channel.client.llen(queue)


@pytest.mark.worker
@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"), reason="counts Redis lists"
)
def test_tasks_wait_on_the_queue_of_their_kind(private_queue, alpha):
    with schema_context(alpha.schema_name):
        import_job_run_task.delay(MISSING_JOB)
        kpi_snapshot_refresh_task.delay(MISSING_JOB)
        kpi_snapshot_refresh_task.delay(MISSING_JOB)
        app.send_task("surveys.invitations_send", args=[MISSING_JOB])
    waiting = {kind: _waiting(queue_name(private_queue, kind)) for kind in (IMPORTS, REFRESH)}
    assert waiting == {IMPORTS: 1, REFRESH: 2}
    assert _waiting(queue_name(private_queue, EMAIL)) == 1
    assert _waiting(private_queue) == 0


def _log_of(worker) -> str:
    return worker.log_path.read_text()


@pytest.mark.worker
def test_two_workers_on_separate_queues_each_run_only_their_kind(private_queue, alpha):
    backend = {"CELERY_RESULT_BACKEND": app.conf.result_backend}
    imports_only = start_celery_worker(
        private_queue, consume=[queue_name(private_queue, IMPORTS)], **backend
    )
    refresh_only = start_celery_worker(
        private_queue, consume=[queue_name(private_queue, REFRESH)], **backend
    )
    try:
        with schema_context(alpha.schema_name):
            imported = import_job_run_task.delay(MISSING_JOB)
            refreshed = kpi_snapshot_refresh_task.delay(MISSING_JOB)
        assert imported.get(timeout=60) is None
        assert refreshed.get(timeout=60) == {"job": MISSING_JOB, "skipped": "finished"}
        time.sleep(0.5)  # the success lines reach the logs
        imports_log, refresh_log = _log_of(imports_only), _log_of(refresh_only)
        assert imported.id in imports_log and imported.id not in refresh_log
        assert refreshed.id in refresh_log and refreshed.id not in imports_log
    finally:
        stop_celery_worker(imports_only)
        stop_celery_worker(refresh_only)
