"""Shared fixtures: two real workspaces (schemas) created once per test session.

Alice is alpha's admin, Bob alpha's viewer, Charlie beta's admin (healthchecks' naming).
Tests run inside a transaction that is rolled back, so each starts from the same state.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import settings as hypothesis_settings

from smarketing.core.data_version import data_version_memos_clear
from smarketing.core.queues import queue_names
from tenants import provisioning

# Property tests check what is true, not how fast: on a loaded CI machine Hypothesis's default
# 200 ms deadline per example failed tests that were right. Speed is measured in `make bench`.
hypothesis_settings.register_profile("smarketing", deadline=None)
hypothesis_settings.load_profile("smarketing")

ALPHA_HOST = "alpha.localhost"
BETA_HOST = "beta.localhost"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Never provision test workspaces into a development database.
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict
        provisioning.platform_ensure(public_hosts=["localhost", "testserver"])
        for slug, host in (("alpha", ALPHA_HOST), ("beta", BETA_HOST)):
            provisioning.workspace_create(slug=slug, name=slug.title(), domain=host)
        connection.set_schema_to_public()


@pytest.fixture(scope="session", autouse=True)
def _purge_tasks_nobody_consumed():
    """Tasks sent to the default test queue with no worker on it are dropped after the run."""
    yield
    from smarketing.celery import app

    # The queue may never have been declared: nothing to purge then.
    for queue in queue_names(settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_QUEUE_SHARDS):
        with app.connection_for_write() as broker, contextlib.suppress(Exception):
            broker.default_channel.queue_purge(queue)


@pytest.fixture(autouse=True)
def _fresh_routing_cache_and_public_schema():
    for alias in ("default", "routing"):
        caches[alias].clear()
    data_version_memos_clear()
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()
    for alias in ("default", "routing"):
        caches[alias].clear()
    data_version_memos_clear()


def commit_writes() -> None:
    """What a commit does to the data versions, inside the test's transaction: the deferred
    triggers run now (smarketing/core/data_version.py), so the versions describe the data and
    the next requests may keep what they compute."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def alpha(db):
    return provisioning.dangerously_workspace_get("alpha")


@pytest.fixture
def beta(db):
    return provisioning.dangerously_workspace_get("beta")


def make_user(workspace, email: str, role: str, team: str = "marketing"):
    from smarketing.accounts.models import User

    with schema_context(workspace.schema_name):
        return User.objects.create_user(
            username=email,
            email=email,
            password=PASSWORD,
            role=role,
            team=team,
            is_staff=role == "admin",
        )


@pytest.fixture
def alice(alpha):
    return make_user(alpha, "alice@alpha.test", "admin", "leadership")


@pytest.fixture
def bob(alpha):
    return make_user(alpha, "bob@alpha.test", "viewer", "sales")


@pytest.fixture
def charlie(beta):
    return make_user(beta, "charlie@beta.test", "admin", "marketing")


def client_for(host: str, user=None) -> Client:
    """A browser on `host`, signed in as `user` (who must belong to that host's workspace)."""
    client = Client(HTTP_HOST=host)
    if user is not None:
        from tenants.routing import workspace_for_host

        # The session row must be written in the workspace's own schema, as a real sign-in does.
        with schema_context(workspace_for_host(host).schema_name):
            assert client.login(username=user.username, password=PASSWORD), "login failed"
    return client


@pytest.fixture
def alice_client(alice):
    return client_for(ALPHA_HOST, alice)


@pytest.fixture
def bob_client(bob):
    return client_for(ALPHA_HOST, bob)


@pytest.fixture
def charlie_client(charlie):
    return client_for(BETA_HOST, charlie)


def _result_backend_for(broker_url: str, database_url: str) -> str:
    if broker_url.startswith("redis://"):
        return broker_url.rsplit("/", 1)[0] + "/2"
    # The embedded fallback has no Redis: results go to the database through SQLAlchemy.
    return "db+" + database_url.replace("postgres://", "postgresql+psycopg://", 1)


def test_database_url() -> str:
    """The URL of the test database, for processes started by tests (workers)."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_celery_worker(
    queue: str, *, consume: list[str] | None = None, **extra_env: str
) -> subprocess.Popen:
    """A real `celery worker` process on the test database whose default queue is `queue`,
    consuming `queue` and its kinds' queues (imports, refresh, email: smarketing/core/queues.py),
    or only the queues named in `consume`.

    Returns once the worker says it is ready; its log is in test-artifacts/.
    """
    consumed = ",".join(consume or queue_names(queue, settings.CELERY_QUEUE_SHARDS))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smarketing.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_QUEUE": queue,
        **extra_env,
    }
    log = (
        Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
        / f"worker-{queue}-{time.time_ns()}.log"
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--pool=solo",
             "--loglevel=INFO", "-Q", consumed, "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
        )  # fmt: skip
    worker.log_path = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return worker


def stop_celery_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` subprocess on the test database and a private queue, whose task
    results the tests can read."""
    from smarketing.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    result_backend = _result_backend_for(app.conf.broker_url, test_database_url())
    app.conf.result_backend = result_backend
    app.conf.task_default_queue = queue
    # Celery caches the backend on first use (a task sent earlier in the session made it the
    # disabled one); forget it so results are read from the backend configured just above.
    app._local.__dict__.pop("backend", None)
    worker = start_celery_worker(queue, CELERY_RESULT_BACKEND=result_backend)
    yield worker
    stop_celery_worker(worker)
