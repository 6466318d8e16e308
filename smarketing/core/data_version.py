"""A workspace's data version: a number that changes exactly when a transaction that wrote any
of the workspace's tables commits, so content computed from the data can be cached under it.

Each workspace schema has a one-row table `data_version(version)` and a small table
`data_change_pending(txid)`. Every other table of the schema carries a statement-level trigger
(`smk_data_changed`, after INSERT, UPDATE, DELETE or TRUNCATE) that records the writing
transaction in `data_change_pending` (once per transaction: ON CONFLICT DO NOTHING). A deferred
constraint trigger on that table bumps the version and removes the row just before the
transaction commits: the version row is locked only for the instant of the commit (writers never
wait on each other for the whole of an import), and the new version becomes visible atomically
with the data. Imports and refreshes that write with raw SQL are covered like the ORM's writes;
a table added later gets its trigger from `data_version_install` (after every migration and
after a schema is cloned), and a test checks that every table of a workspace has it.

Readers read the version first, then the data: content cached under version v is never older
than v. A transaction that has written but not committed sees data no version describes: the
version is then None (cache nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router

from .version_listener import CHANNEL, VersionListener

TRIGGER = "smk_data_changed"
BUMP_TRIGGER = "smk_data_version_bump"
VERSION_TABLE = "data_version"
PENDING_TABLE = "data_change_pending"
# Versions are drawn from one sequence of the database: never the same number twice, in any
# schema, even after a rollback (a process's memo can never mistake one state for another).
SEQUENCE = "smk_data_version_seq"

# The functions live in the public schema and name the tables of the schema of the table that
# fired them (TG_TABLE_SCHEMA), whatever the search_path of the writing session.
FUNCTIONS_SQL = f"""
CREATE SEQUENCE IF NOT EXISTS public.{SEQUENCE};

CREATE OR REPLACE FUNCTION public.{TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.{PENDING_TABLE} (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING',
        TG_TABLE_SCHEMA
    );
    RETURN NULL;
END
$$;

-- A new version for `target`, announced to the web processes when the transaction commits.
CREATE OR REPLACE FUNCTION public.smk_data_version_next(target text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    version bigint;
BEGIN
    EXECUTE format(
        'UPDATE %I.{VERSION_TABLE} SET version = nextval(''public.{SEQUENCE}'') RETURNING version',
        target
    ) INTO version;
    PERFORM pg_notify('{CHANNEL}', target || ':' || version);
    RETURN version;
END
$$;

CREATE OR REPLACE FUNCTION public.{BUMP_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.smk_data_version_next(TG_TABLE_SCHEMA);
    EXECUTE format('DELETE FROM %I.{PENDING_TABLE} WHERE txid = $1', TG_TABLE_SCHEMA)
        USING NEW.txid;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.smk_data_version_install(target text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    missing record;
    installed integer := 0;
BEGIN
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I.{VERSION_TABLE} (version bigint NOT NULL)', target
    );
    EXECUTE format(
        'INSERT INTO %I.{VERSION_TABLE} (version) SELECT 0'
        ' WHERE NOT EXISTS (SELECT 1 FROM %I.{VERSION_TABLE})', target, target
    );
    -- A new number: a schema cloned (or dropped and created again) never reuses one.
    PERFORM public.smk_data_version_next(target);
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I.{PENDING_TABLE} (txid bigint PRIMARY KEY)', target
    );
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = target AND c.relname = '{PENDING_TABLE}'
          AND t.tgname = '{BUMP_TRIGGER}'
    ) THEN
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER {BUMP_TRIGGER} AFTER INSERT ON %I.{PENDING_TABLE}'
            ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
            ' EXECUTE FUNCTION public.{BUMP_TRIGGER}()', target
        );
    END IF;
    FOR missing IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = target AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('{VERSION_TABLE}', '{PENDING_TABLE}')
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '{TRIGGER}'
          )
    LOOP
        EXECUTE format(
            'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I.%I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION public.{TRIGGER}()', target, missing.relname
        );
        installed := installed + 1;
    END LOOP;
    RETURN installed;
END
$$;
"""  # noqa: S608 (constants of this module)
# Parallel `migrate_schemas` runs this migration in many schemas at once: one at a time may
# replace the shared functions (PostgreSQL refuses concurrent updates of one function).
FUNCTIONS_LOCK = 7_406_211


def data_version_install(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> int:
    """Give every table of `schema_name` its trigger (and the schema its two tables, once);
    returns how many tables got one. Idempotent."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT public.smk_data_version_install(%s)", [schema_name])
        return cursor.fetchone()[0]


def data_version_settle(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run the current transaction's pending version bump of `schema_name` now (before its
    schema is dropped: PostgreSQL drops no table with pending trigger events)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND t.tgname = %s",
            [schema_name, BUMP_TRIGGER],
        )
        if cursor.fetchone() is None:
            return
        name = f'"{schema_name}".{BUMP_TRIGGER}'
        cursor.execute(f"SET CONSTRAINTS {name} IMMEDIATE")
        cursor.execute(f"SET CONSTRAINTS {name} DEFERRED")


def data_version_installable(using: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('public.smk_data_version_install(text)')")
        return cursor.fetchone()[0] is not None


def data_version_read(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The current workspace's data version (one statement), or None when the current
    transaction has written data it has not committed (no version describes what it sees)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT version, EXISTS (SELECT 1 FROM {PENDING_TABLE}"  # noqa: S608 (constants)
            f" WHERE txid = txid_current_if_assigned()) FROM {VERSION_TABLE}"
        )
        row = cursor.fetchone()
    if row is None or row[1]:
        return None
    return int(row[0])


_memos: list[VersionedMemo] = []


def data_version_memos_clear() -> None:
    """Forget what every memo of this process keeps (tests start from nothing)."""
    for memo in _memos:
        memo.clear()


# Alias -> version, read once per web request (see `data_version_request_scope`).
_request_versions: ContextVar[dict[str, Any] | None] = ContextVar("data_versions", default=None)


@contextmanager
def data_version_request_scope() -> Iterator[None]:
    """Within this block (a web request, after the workspace is chosen), the version is read
    once per database; `data_version_forget` makes the next call read it again (the request
    wrote something)."""
    token = _request_versions.set({})
    watch = _WriteWatch()
    try:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch):
            yield
    finally:
        _request_versions.reset(token)
        if watch.wrote:
            data_version_wrote()


def data_version_forget() -> None:
    versions = _request_versions.get()
    if versions is not None:
        versions.clear()


def data_version_get(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The version read at the start of this request (read now outside one); in a web process
    with a listener, the version it was told, when it knows one (no statement)."""
    versions = _request_versions.get()
    if versions is None:
        return data_version_read(using)
    connection = connections[using]
    key = f"{using}:{connection.schema_name}"  # type: ignore[attr-defined]
    if key not in versions:
        versions[key] = _version_from_listener_or_read(using)
    return versions[key]


# The listener of this process, for the primary database only: a read replica may not have
# replayed an announced commit yet, so its version is always read from the replica itself.
_listener: VersionListener | None = None


def data_version_listen(using: str = DEFAULT_DB_ALIAS) -> VersionListener:
    """Start this process's listener (gunicorn.conf.py, once per web process)."""
    global _listener
    settings_dict = connections[using].settings_dict
    listener = VersionListener(
        {
            "dbname": settings_dict["NAME"],
            "user": settings_dict["USER"],
            "password": settings_dict["PASSWORD"] or None,
            "host": settings_dict["HOST"] or None,
            "port": settings_dict["PORT"] or None,
            "application_name": f"{settings_dict['OPTIONS'].get('application_name', 'smarketing')}"
            "-versions",
        }
    )
    listener.start()
    _listener = listener
    return listener


def data_version_listener_stop() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None


def _version_from_listener_or_read(using: str) -> int | None:
    connection: Any = connections[using]
    listener = _listener if using == DEFAULT_DB_ALIAS else None
    # Inside a transaction the answer depends on its own writes: only the database knows.
    if listener is None or connection.in_atomic_block:
        return data_version_read(using)
    known = listener.version(connection.schema_name)
    if known is not None:
        return known
    ticket = listener.ticket(connection.schema_name)
    version = data_version_read(using)
    if version is not None:
        listener.learn(connection.schema_name, version, ticket)
    return version


class _WriteWatch:
    """An execute wrapper noting whether a request ran anything but a SELECT or a SET (so it
    may have written: conservative, a WITH counts)."""

    def __init__(self) -> None:
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not self.wrote and not sql.lstrip()[:6].upper().startswith(("SELECT", "SET ")):
            self.wrote = True
        return execute(sql, params, many, context)


def data_version_wrote(using: str = DEFAULT_DB_ALIAS) -> None:
    """A web request may have written: its process's next request reads the version again
    instead of waiting for the announcement, so a person sees their own writes at once."""
    if _listener is not None and using == DEFAULT_DB_ALIAS:
        _listener.forget(connections[using].schema_name)  # type: ignore[attr-defined]


class VersionedMemo:
    """What a web process computed from the current workspace's data, kept for the requests that
    read the same data version (one dictionary per use, shared by the process's threads: what
    it holds must be treated as read-only). Outside a request, or in a transaction that wrote
    data, nothing is kept: `compute` runs every time. Bounded: emptied when full."""

    def __init__(self, name: str, size: int = 1024) -> None:
        self.name = name
        self.size = size
        self._kept: dict[tuple[str, Any], tuple[int, Any]] = {}
        _memos.append(self)

    def get(self, key: Any, compute: Any, *, model: Any = None) -> Any:
        """`compute()`'s value, kept per version; `model`: the model `compute` reads, whose
        database (a read replica's lag) the version is read from."""
        if _request_versions.get() is None:
            return compute()
        using = (router.db_for_read(model) if model is not None else None) or DEFAULT_DB_ALIAS
        version = data_version_get(using)  # before the data: never kept older than its version
        if version is None:
            return compute()
        # The workspace's id too: a schema dropped and made again for a new workspace never
        # gets what was kept for the old one, whatever version a listener last heard of.
        connection: Any = connections[using]
        name = (f"{using}:{connection.schema_name}:{getattr(connection.tenant, 'pk', '')}", key)
        kept = self._kept.get(name)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = compute()
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[name] = (version, value)
        return value

    def clear(self) -> None:
        self._kept.clear()
