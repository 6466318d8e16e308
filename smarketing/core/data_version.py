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

CREATE OR REPLACE FUNCTION public.{BUMP_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE %I.{VERSION_TABLE} SET version = nextval(''public.{SEQUENCE}'')', TG_TABLE_SCHEMA
    );
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
    EXECUTE format(
        'UPDATE %I.{VERSION_TABLE} SET version = nextval(''public.{SEQUENCE}'')', target
    );
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
    try:
        yield
    finally:
        _request_versions.reset(token)


def data_version_forget() -> None:
    versions = _request_versions.get()
    if versions is not None:
        versions.clear()


def data_version_get(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The version read at the start of this request (read now outside one)."""
    versions = _request_versions.get()
    if versions is None:
        return data_version_read(using)
    key = f"{using}:{connections[using].schema_name}"  # type: ignore[attr-defined]
    if key not in versions:
        versions[key] = data_version_read(using)
    return versions[key]


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
        name = (f"{using}:{connections[using].schema_name}", key)  # type: ignore[attr-defined]
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
