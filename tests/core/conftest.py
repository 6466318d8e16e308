"""A real gunicorn (`gunicorn.conf.py`) on the test database, and committed people for it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing, contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from tenants import provisioning
from tests.conftest import PASSWORD
from tests.conftest import test_database_url as database_url_of_tests


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_get(
    port: int, host: str, path: str, token: str, timeout: float = 20, *, body: bytes | None = None
) -> tuple[int, str]:
    """GET `path` with `token` (a PATCH with a JSON `body`): (status, body)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={
            "Host": host,
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        data=body,
        method="GET" if body is None else "PATCH",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        database_url_of_tests().replace("postgres://", "postgresql://"), autocommit=True
    )


def server_backends(admin: psycopg.Connection, name: str) -> list[tuple[int, str, str | None]]:
    return admin.execute(
        "SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE application_name = %s",
        [name],
    ).fetchall()


@pytest.fixture
def committed_people(django_db_setup, django_db_blocker):
    """A committed admin with an API token in alpha and in beta (the server's connections see
    only committed rows); deleted afterwards."""
    from rest_framework.authtoken.models import Token

    from smarketing.accounts.models import User

    people = {}
    with django_db_blocker.unblock():
        for slug in ("alpha", "beta"):
            workspace = provisioning.dangerously_workspace_get(slug)
            with schema_context(workspace.schema_name):
                email = f"server-{uuid.uuid4().hex[:8]}@{slug}.test"
                user = User.objects.create_user(
                    username=email, email=email, password=PASSWORD, role="admin"
                )
                people[slug] = (email, Token.objects.create(user=user).key)
    yield people
    with django_db_blocker.unblock():
        for slug in ("alpha", "beta"):
            with schema_context(f"ws_{slug}"):
                User.objects.filter(email=people[slug][0]).delete()
        connection.set_schema_to_public()


@contextmanager
def running_gunicorn(log_path, **environment: str):
    """`gunicorn -c gunicorn.conf.py` with one worker of two threads on the test database:
    yields (port, the application_name of its connections)."""
    port = free_port()
    name = f"smk-web-test-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smarketing.settings.test",
        "DATABASE_URL": database_url_of_tests(),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "DATABASE_STATEMENT_TIMEOUT_MS": "1500",
        "DATABASE_APPLICATION_NAME": name,
        **environment,
    }
    with log_path.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with closing(socket.create_connection(("127.0.0.1", port), timeout=1)):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    raise RuntimeError(log_path.read_text()[-3000:]) from None
                time.sleep(0.1)
        yield port, name
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=20)
