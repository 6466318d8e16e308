"""Database connections of the web tier: pooled, bounded, safe with schema switching, timed out,
and a killed connection costs one clean error, not a broken process.

Under a burst of 400 requests the development server held 81 idle connections and one request
failed with "too many clients"; nothing bounded them, and nothing timed a statement out.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django_tenants.utils import schema_context

from tenants import provisioning
from tests.conftest import PASSWORD
from tests.conftest import test_database_url as database_url_of_tests


def _pooled_wrapper():
    """A second connection of the app's own backend, pooled with room for one connection."""
    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}},
    }
    settings_dict["OPTIONS"].pop("options", None)
    return connections["default"].__class__(settings_dict, alias=f"pooled-{uuid.uuid4().hex[:6]}")


def _search_path_and_pid(wrapper) -> tuple[str, int]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path'), pg_backend_pid()")
        return cursor.fetchone()


def test_a_pooled_connection_gets_the_right_search_path_after_reuse(alpha, beta):
    wrapper = _pooled_wrapper()
    try:
        wrapper.set_tenant(alpha)
        path, first_pid = _search_path_and_pid(wrapper)
        assert path == "ws_alpha, public"
        wrapper.close()  # back to the pool, search_path still ws_alpha on the server side
        wrapper.set_tenant(beta)
        path, pid = _search_path_and_pid(wrapper)
        assert (path, pid) == ("ws_beta, public", first_pid)  # the same connection, re-pointed
        with wrapper.cursor() as cursor:  # someone sets the path by hand and hands it back
            cursor.execute("SET search_path = ws_alpha")
        wrapper.close()
        wrapper.set_schema_to_public()
        assert _search_path_and_pid(wrapper) == ("public", first_pid)
        wrapper.close()
        wrapper.set_tenant(beta)
        assert _search_path_and_pid(wrapper) == ("ws_beta, public", first_pid)
    finally:
        wrapper.close()
        wrapper.close_pool()


# --- a real gunicorn on the test database --------------------------------------------------


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, host: str, path: str, token: str, timeout: float = 20) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": host, "Authorization": f"Token {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


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


@pytest.fixture
def gunicorn(committed_people, tmp_path):
    """`gunicorn -c gunicorn.conf.py` with one worker of two threads on the test database."""
    port = _free_port()
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
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=1)):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(log.read_text()[-3000:]) from None
            time.sleep(0.1)
    yield port, name, committed_people, log
    server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
    server.wait(timeout=20)


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        database_url_of_tests().replace("postgres://", "postgresql://"), autocommit=True
    )


def _server_backends(admin: psycopg.Connection, name: str) -> list[tuple[int, str, str | None]]:
    return admin.execute(
        "SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE application_name = %s",
        [name],
    ).fetchall()


def test_gunicorn_bounds_connections_and_survives_killed_and_slow_ones(gunicorn):
    port, name, people, _log = gunicorn
    (alpha_email, alpha_token), (_beta_email, beta_token) = people["alpha"], people["beta"]
    # A burst of 60 requests, alternating workspaces, 8 at a time: each sees its own user, and
    # the server never holds more connections than its 2 threads.
    results: list[tuple[str, int, str]] = []

    def hit(index: int) -> None:
        slug = "alpha" if index % 2 else "beta"
        token = alpha_token if slug == "alpha" else beta_token
        status, body = _get(port, f"{slug}.localhost", "/api/v1/me/", token)
        results.append((slug, status, body))

    with closing(_admin_connection()) as admin:
        for batch in range(0, 60, 8):
            threads = [threading.Thread(target=hit, args=(i,)) for i in range(batch, batch + 8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(_server_backends(admin, name)) <= 2
        assert all(status == 200 for _, status, _ in results), results
        assert all(people[slug][0] in body for slug, _, body in results)
        assert 1 <= len(_server_backends(admin, name)) <= 2

        # A request waiting on a lock, its connection killed mid-request: a clean 503. (Every
        # request reads the data version first; people and tokens are then kept per version.)
        locker = _admin_connection()
        locker.autocommit = False
        locker.execute("LOCK TABLE ws_alpha.data_version IN ACCESS EXCLUSIVE MODE")
        answer: dict = {}
        waiting = threading.Thread(
            target=lambda: answer.update(
                zip(
                    ("status", "body"),
                    _get(port, "alpha.localhost", "/api/v1/me/", alpha_token),
                    strict=False,
                )
            )
        )
        waiting.start()
        deadline = time.monotonic() + 10
        while not (
            blocked := [pid for pid, _, wait in _server_backends(admin, name) if wait == "Lock"]
        ):
            assert time.monotonic() < deadline, "the request never waited on the lock"
            time.sleep(0.05)
        admin.execute("SELECT pg_terminate_backend(%s)", [blocked[0]])
        waiting.join(timeout=20)
        locker.rollback()
        locker.close()
        assert answer["status"] == 503, answer
        assert '"detail"' in answer["body"]
        # The next requests are served on healthy connections.
        for _ in range(4):
            status, body = _get(port, "alpha.localhost", "/api/v1/me/", alpha_token)
            assert status == 200 and alpha_email in body

        # A statement longer than the web timeout (1.5 s here) is cancelled: 503, not a hang.
        locker = _admin_connection()
        locker.autocommit = False
        locker.execute("LOCK TABLE ws_beta.data_version IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        status, body = _get(port, "beta.localhost", "/api/v1/me/", beta_token)
        took = time.monotonic() - started
        locker.rollback()
        locker.close()
        assert status == 503 and 1.4 < took < 10, (status, took, body)
        assert _get(port, "beta.localhost", "/api/v1/me/", beta_token)[0] == 200
