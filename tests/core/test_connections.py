"""Database connections of the web tier: pooled, bounded, safe with schema switching, timed out,
and a killed connection costs one clean error, not a broken process.

Under a burst of 400 requests the development server held 81 idle connections and one request
failed with "too many clients"; nothing bounded them, and nothing timed a statement out.
"""

import threading
import time
import uuid
from contextlib import closing

import pytest
from django.db import connection, connections

from tests.core.conftest import admin_connection, api_get, running_gunicorn, server_backends


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


# --- a real gunicorn on the test database ----------------------------------------------------


@pytest.fixture
def gunicorn(committed_people, tmp_path):
    log = tmp_path / "gunicorn.log"
    # Every request reads its data version from the database (what these tests lock and kill);
    # the announced versions are tested in test_data_version_listener.py.
    with running_gunicorn(log, DATA_VERSION_LISTEN="0") as (port, name):
        yield port, name, committed_people, log


def test_gunicorn_bounds_connections_and_survives_killed_and_slow_ones(gunicorn):
    port, name, people, _log = gunicorn
    (alpha_email, alpha_token), (_beta_email, beta_token) = people["alpha"], people["beta"]
    # A burst of 60 requests, alternating workspaces, 8 at a time: each sees its own user, and
    # the server never holds more connections than its 2 threads.
    results: list[tuple[str, int, str]] = []

    def hit(index: int) -> None:
        slug = "alpha" if index % 2 else "beta"
        token = alpha_token if slug == "alpha" else beta_token
        status, body = api_get(port, f"{slug}.localhost", "/api/v1/me/", token)
        results.append((slug, status, body))

    with closing(admin_connection()) as admin:
        for batch in range(0, 60, 8):
            threads = [threading.Thread(target=hit, args=(i,)) for i in range(batch, batch + 8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(server_backends(admin, name)) <= 2
        assert all(status == 200 for _, status, _ in results), results
        assert all(people[slug][0] in body for slug, _, body in results)
        assert 1 <= len(server_backends(admin, name)) <= 2

        # A request waiting on a lock, its connection killed mid-request: a clean 503. (Every
        # request reads the data version first; people and tokens are then kept per version.)
        locker = admin_connection()
        locker.autocommit = False
        locker.execute("LOCK TABLE ws_alpha.data_version IN ACCESS EXCLUSIVE MODE")
        answer: dict = {}
        waiting = threading.Thread(
            target=lambda: answer.update(
                zip(
                    ("status", "body"),
                    api_get(port, "alpha.localhost", "/api/v1/me/", alpha_token),
                    strict=False,
                )
            )
        )
        waiting.start()
        deadline = time.monotonic() + 10
        while not (
            blocked := [pid for pid, _, wait in server_backends(admin, name) if wait == "Lock"]
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
            status, body = api_get(port, "alpha.localhost", "/api/v1/me/", alpha_token)
            assert status == 200 and alpha_email in body

        # A statement longer than the web timeout (1.5 s here) is cancelled: 503, not a hang.
        locker = admin_connection()
        locker.autocommit = False
        locker.execute("LOCK TABLE ws_beta.data_version IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        status, body = api_get(port, "beta.localhost", "/api/v1/me/", beta_token)
        took = time.monotonic() - started
        locker.rollback()
        locker.close()
        assert status == 503 and 1.4 < took < 10, (status, took, body)
        assert api_get(port, "beta.localhost", "/api/v1/me/", beta_token)[0] == 200
