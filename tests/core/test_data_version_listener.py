"""Web processes hear of new data versions from PostgreSQL (smarketing/core/version_listener.py):
a request answered from what is kept runs no statement, a commit elsewhere is seen at once,
a person's own write is seen by their next request, and a lost listener costs nothing but speed.
"""

import json
import time
from contextlib import closing

import pytest
from django_tenants.utils import schema_context
from psycopg import sql

from smarketing.core.data_version import data_version_listen, data_version_listener_stop
from tests.core.conftest import admin_connection, api_get, running_gunicorn

WAIT = 10.0
REFUSED = 403  # "Invalid token." (the session scheme comes first: no WWW-Authenticate, no 401)


def _eventually(check, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def _bump(admin, schema_name: str) -> int:
    """Commit a new data version of `schema_name` (what any committed write does) and return it."""
    pending = sql.Identifier(schema_name, "data_change_pending")
    admin.execute(sql.SQL("INSERT INTO {} (txid) VALUES (txid_current())").format(pending))
    version = sql.SQL("SELECT version FROM {}").format(sql.Identifier(schema_name, "data_version"))
    return admin.execute(version).fetchone()[0]


@pytest.fixture
def listener(db):  # `db` for the test database's settings; the writes below commit on their own
    listener = data_version_listen()
    assert listener.wait_listening(WAIT)
    yield listener
    data_version_listener_stop()


def test_the_listener_hears_every_committed_version_and_no_rolled_back_one(listener):
    with closing(admin_connection()) as admin:
        version = _bump(admin, "ws_alpha")
        _eventually(lambda: listener.version("ws_alpha") == version, f"ws_alpha at {version}")
        assert listener.version("ws_beta") is None  # nothing heard of beta yet

        admin.execute("BEGIN")
        _bump(admin, "ws_alpha")
        admin.execute("ROLLBACK")
        beta = _bump(admin, "ws_beta")  # announced after the rollback, in commit order
        _eventually(lambda: listener.version("ws_beta") == beta, "ws_beta's version")
        assert listener.version("ws_alpha") == version


def test_a_lost_connection_forgets_everything_and_refuses_older_reads(listener):
    with closing(admin_connection()) as admin:
        version = _bump(admin, "ws_alpha")
        _eventually(lambda: listener.version("ws_alpha") == version, "the first version")
        ticket = listener.ticket("ws_alpha")  # a request starts reading the version...
        admin.execute("SELECT pg_terminate_backend(%s)", [listener.backend_pid()])
        _eventually(lambda: not listener.listening, "the loss noticed")
        assert listener.version("ws_alpha") is None  # not trusted while deaf
        assert listener.wait_listening(WAIT)
        listener.learn("ws_alpha", version, ticket)  # ...and finishes after the reconnection
        assert listener.version("ws_alpha") is None  # a commit in between may have been missed
        listener.learn("ws_alpha", version, listener.ticket("ws_alpha"))
        assert listener.version("ws_alpha") == version
        newer = _bump(admin, "ws_alpha")
        _eventually(lambda: listener.version("ws_alpha") == newer, "announcements again")
        listener.learn("ws_alpha", version, listener.ticket("ws_alpha"))  # older never wins
        assert listener.version("ws_alpha") == newer

        # A request reads the version; meanwhile a request of the same process writes:
        # what the first one read is not recorded (the write's version may not be announced).
        ticket = listener.ticket("ws_alpha")
        listener.forget("ws_alpha")
        listener.learn("ws_alpha", newer, ticket)
        assert listener.version("ws_alpha") is None
        listener.learn("ws_beta", 1, listener.ticket("ws_beta"))  # other schemas unaffected
        assert listener.version("ws_beta") is not None


# --- a real web process -------------------------------------------------------------------


def test_a_web_process_answers_from_what_it_keeps_and_hears_of_commits(
    committed_people, django_db_blocker, tmp_path
):
    from rest_framework.authtoken.models import Token

    from smarketing.accounts.models import User

    email, token = committed_people["alpha"]
    me = ("alpha.localhost", "/api/v1/me/")
    with (
        running_gunicorn(tmp_path / "gunicorn.log") as (port, name),
        closing(admin_connection()) as admin,
    ):
        _eventually(
            lambda: admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = %s", [f"{name}-versions"]
            ).fetchone(),
            "the listener's connection",
        )
        for _ in range(3):
            status, body = api_get(port, *me, token)
            assert status == 200 and email in body

        # The version row locked: a request that needs no statement does not wait for it.
        admin.execute("BEGIN")
        admin.execute("LOCK TABLE ws_alpha.data_version IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        status, body = api_get(port, *me, token, timeout=5)
        took = time.monotonic() - started
        admin.execute("ROLLBACK")
        assert (status, email in body) == (200, True) and took < 1, (status, took)

        # A person's own write is seen by their next request, at once.
        settings_path = ("alpha.localhost", "/api/v1/settings/")
        currency = json.loads(api_get(port, *settings_path, token)[1])["currency"]
        changed = "JPY" if currency != "JPY" else "USD"
        try:
            patched = api_get(
                port, *settings_path, token, body=f'{{"currency": "{changed}"}}'.encode()
            )
            assert patched[0] == 200, patched
            status, body = api_get(port, *settings_path, token)
            assert (status, json.loads(body)["currency"]) == (200, changed)
        finally:
            api_get(port, *settings_path, token, body=json.dumps({"currency": currency}).encode())

        # A commit by another process (here: the token revoked) is heard of at once.
        with django_db_blocker.unblock(), schema_context("ws_alpha"):
            Token.objects.filter(key=token).delete()
            user = User.objects.get(email=email)
        started = time.monotonic()
        _eventually(lambda: api_get(port, *me, token)[0] == REFUSED, "the revoked token refused")
        assert time.monotonic() - started < 2

        # The listener's connection lost: answers stay right (read from the database) while
        # it reconnects, and announcements are heard again afterwards.
        (listener_pid,) = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [f"{name}-versions"]
        ).fetchone()
        admin.execute("SELECT pg_terminate_backend(%s)", [listener_pid])
        with django_db_blocker.unblock(), schema_context("ws_alpha"):
            new_token = Token.objects.create(user=user).key
        assert api_get(port, *me, new_token)[0] == 200
        assert api_get(port, *me, token)[0] == REFUSED
        _eventually(
            lambda: admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND pid <> %s",
                [f"{name}-versions", listener_pid],
            ).fetchone(),
            "the listener reconnected",
        )
        api_get(port, *me, new_token)  # known again after a read
        with django_db_blocker.unblock(), schema_context("ws_alpha"):
            Token.objects.filter(key=new_token).delete()
        _eventually(
            lambda: api_get(port, *me, new_token)[0] == REFUSED, "revoked after reconnecting"
        )
