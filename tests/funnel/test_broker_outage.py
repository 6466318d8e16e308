"""The broker stops while people upload and ask for a KPI refresh: they are answered within
2 seconds ("accepted, queued"), nothing is lost, and everything runs once the broker is back.

Before the outbox, both answered 500, their jobs stayed "queued" forever and a re-upload of the
same file was refused as already imported. Real processes: a private redis-server (never the
shared one on 6379) that the test stops and starts, and a real Celery worker on it.
"""

import shutil
import socket
import subprocess
import time
import uuid
from contextlib import closing

import kombu.pools
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from smarketing.celery import app
from smarketing.funnel.models import ImportJob, ImportStatus, Lead
from smarketing.kpis.models import JobStatus, KpiSnapshotJob
from tenants import provisioning
from tenants.tasks import outbox_dispatch_all_task
from tests.conftest import PASSWORD, client_for, make_user, start_celery_worker, stop_celery_worker

from .test_worker_crash import wait_for

LEADS = b"lead_id,created_at,source\nB1,2025-01-10,web\nB2,2025-02-11,events\n"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on its own port, keeping nothing on disk."""

    def __init__(self, tmp_path):
        self.port, self.dir = _free_port(), tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), timeout=0.5)):
                    return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.mark.worker
def _broker_use(url: str, queue: str) -> None:
    """Point the app at another broker. It keeps the connections and producers it made with the
    URL of its first send: without dropping them, a later test's send went to this test's
    stopped server."""
    app.conf.broker_url, app.conf.task_default_queue = url, queue
    # The app's pool is kombu's shared pool for the URL: close and forget every such pool (and
    # producer pool), or the next send to the first URL got the closed one back ("Acquire on
    # closed pool" in every later test that sends a task, when one was sent before this test).
    kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def test_uploads_and_refreshes_while_the_broker_is_down_run_once_it_is_back(
    django_db_setup, django_db_blocker, private_redis, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Read before the environment changes: Celery reads the broker from the environment before
    # its own configuration (restoring the private URL broke later tests run without one).
    previous = (app.conf.broker_url, app.conf.task_default_queue)
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url)
    queue = f"test-outage-{uuid.uuid4().hex[:8]}"
    _broker_use(private_redis.url, queue)
    suffix = uuid.uuid4().hex[:6]
    worker = None
    with django_db_blocker.unblock():
        workspace = provisioning.workspace_create(
            slug=f"outage-{suffix}", name="Outage", domain=f"outage-{suffix}.localhost"
        )
        try:
            admin = make_user(workspace, "ops@outage.test", "admin")
            client = client_for(f"outage-{suffix}.localhost", admin)
            worker = start_celery_worker(
                queue, CELERY_BROKER_URL=private_redis.url, MEDIA_ROOT=str(settings.MEDIA_ROOT)
            )
            assert client.get("/api/v1/imports/").status_code == 200  # a warm server
            private_redis.stop()  # the broker goes down

            started = time.monotonic()
            upload = client.post(
                "/api/v1/imports/",
                {"file": SimpleUploadedFile("leads.csv", LEADS), "kind": "leads"},
            )
            upload_seconds = time.monotonic() - started
            started = time.monotonic()
            refresh = client.post("/api/v1/kpis/jobs/refresh/")
            refresh_seconds = time.monotonic() - started
            assert (upload.status_code, upload.json()["status"]) == (202, "queued")
            assert (refresh.status_code, refresh.json()["status"]) == (202, "queued")
            assert upload_seconds < 2 and refresh_seconds < 2, (upload_seconds, refresh_seconds)
            # The same file again: the queued job, not a refusal.
            again = client.post(
                "/api/v1/imports/",
                {"file": SimpleUploadedFile("leads.csv", LEADS), "kind": "leads"},
            )
            assert (again.status_code, again.json()["id"]) == (200, upload.json()["id"])
            # Beat's dispatcher while the broker is still down: nothing sent, nothing lost.
            assert outbox_dispatch_all_task() >= 1
            with schema_context(workspace.schema_name):
                assert ImportJob.objects.get().dispatched_at is None
                assert KpiSnapshotJob.objects.get().dispatched_at is None

            private_redis.start()  # the broker is back; beat's next dispatch drains it
            outbox_dispatch_all_task()

            def done():
                with schema_context(workspace.schema_name):
                    job = ImportJob.objects.get()
                    refreshes = list(KpiSnapshotJob.objects.values_list("status", flat=True))
                    finished = job.is_finished and JobStatus.QUEUED not in refreshes
                    return finished and JobStatus.RUNNING not in refreshes and (job, refreshes)

            job, refreshes = wait_for(done, timeout=90, interval=0.2)
            assert (job.status, job.rows_stored) == (ImportStatus.SUCCEEDED, 2)
            assert set(refreshes) == {JobStatus.SUCCEEDED}
            with schema_context(workspace.schema_name):
                assert sorted(Lead.objects.values_list("lead_id", flat=True)) == ["B1", "B2"]
        finally:
            if worker is not None:
                stop_celery_worker(worker)
            _broker_use(*previous)
            provisioning.workspace_delete(workspace=workspace)
            connection.set_schema_to_public()
    assert PASSWORD  # the admin signed in with the shared test password


def test_imports_and_kpi_refreshes_go_through_the_outbox(db):
    """Both job kinds are registered, so beat's dispatcher sends what the broker missed."""
    from smarketing.core.outbox import outboxes

    assert {name: box.model for name, box in outboxes().items()} == {
        "imports": ImportJob,
        "kpi-refresh": KpiSnapshotJob,
    }
