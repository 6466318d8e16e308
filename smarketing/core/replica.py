"""Dashboard reads from a PostgreSQL read replica, switched on by `DATABASE_REPLICA_URL`.

When the `replica` database is configured, reads of the apps in `DATABASE_REPLICA_APPS` (the
figures dashboards show: funnel, KPIs, SLAs, surveys) made while answering a GET or HEAD
request go to the replica. Everything else goes to the primary: every write; every read inside
a transaction the code opened (`transaction.atomic`), so read-modify-write never mixes the two;
sessions, users and settings, so a sign-in or a settings change is seen on the very next page
whatever the replica's lag; and every read of workers and commands.

django-tenants keeps one schema per connection: before each read routed to the replica, the
replica connection is pointed at the primary's workspace, so its `search_path` is the same
(`ws_<slug>, public`) and a workspace never reads another's rows there either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads of the replica apps may go to the replica (when configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _in_transaction(connection: Any) -> bool:
    """Inside an atomic block the code opened (not the one a test case wraps around a test)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


class ReplicaRouter:
    """Database router (first in `DATABASE_ROUTERS`): see the module docstring."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _replica_reads.get() or model._meta.app_label not in settings.DATABASE_REPLICA_APPS:
            return None
        if not replica_configured():
            return None
        primary: Any = connections[DEFAULT_DB_ALIAS]
        if _in_transaction(primary):
            return None
        replica: Any = connections[REPLICA]
        if replica.schema_name != primary.schema_name or replica.tenant is not primary.tenant:
            replica.set_tenant(primary.tenant)
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Explicitly: Django would otherwise write an object back where it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        if {first._state.db, second._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary by itself


class ReplicaReadsMiddleware:
    """GET and HEAD requests read the dashboards' figures from the replica (placed after the
    workspace routing middleware, which chooses the primary's schema)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)
