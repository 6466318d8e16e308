"""Helpers for import tests: run the real pipeline in-process on small hand-made files."""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django_tenants.utils import schema_context

from smarketing.funnel import services


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
            enqueue=False,
        )
        if not accepted.created:
            return accepted.job
        return services.import_job_run(job_id=accepted.job.pk)


def problems(workspace, job, severity: str = "error") -> list[str]:
    with schema_context(workspace.schema_name):
        return [p.text for p in job.problems.filter(severity=severity).order_by("row_number", "pk")]


def start_worker(queue: str, media_root, visibility_timeout: int = 2) -> subprocess.Popen:
    """A real `celery worker` process on the test database, consuming `queue` only.

    Unlike the session-wide worker of tests/conftest.py, each call starts a fresh process, so
    a test may kill one and start another. Unacknowledged tasks are redelivered after
    `visibility_timeout` seconds.
    """
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smarketing.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "MEDIA_ROOT": str(media_root),
    }
    log = (
        Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
        / f"worker-{queue}-{time.time_ns()}.log"
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--pool=solo",
             "--loglevel=INFO", "-Q", queue, "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return worker


@pytest.fixture
def worker_starter(settings):
    """Start workers on a private queue; every worker still running is stopped afterwards."""
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        workers.append(start_worker(queue, settings.MEDIA_ROOT))
        return workers[-1]

    start.queue = queue  # type: ignore[attr-defined]
    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
