"""A workspace's data version changes exactly when a transaction that wrote its rows commits
(smarketing/core/data_version.py): every table has the trigger, raw SQL counts, an uncommitted
write has no version, and workspaces never move each other's."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from smarketing.configuration.services import workspace_settings_update
from smarketing.core.data_version import (
    PENDING_TABLE,
    TRIGGER,
    VERSION_TABLE,
    data_version_install,
    data_version_read,
)
from tests.conftest import commit_writes


def _version(schema_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT version FROM "{schema_name}".{VERSION_TABLE}')  # noqa: S608
        return cursor.fetchone()[0]


def _tables_without_trigger(schema_name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname NOT IN (%s, %s)
              AND NOT EXISTS (
                  SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = %s
              )
            """,
            [schema_name, VERSION_TABLE, PENDING_TABLE, TRIGGER],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.parametrize("schema_name", ["workspace_template", "ws_alpha"])
def test_every_table_of_a_workspace_has_the_trigger(alpha, schema_name):
    # ws_alpha was cloned from the template when the test database was set up.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema_name],
        )
        assert cursor.fetchone()[0] > 30  # the schema's tables, not an empty one
    assert _tables_without_trigger(schema_name) == []


def test_a_table_added_later_gets_the_trigger(alpha):
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE "ws_alpha".added_later (id int)')
    assert _tables_without_trigger("ws_alpha") == ["added_later"]
    assert data_version_install("ws_alpha") == 1  # what the post_migrate handler runs
    assert _tables_without_trigger("ws_alpha") == []


def test_the_version_changes_when_a_write_commits(alpha):
    with schema_context(alpha.schema_name):
        commit_writes()
        before = data_version_read()
        assert before == _version("ws_alpha")
        workspace_settings_update(changes={"currency": "USD"})
        # Written, not committed: no version describes what this transaction sees.
        assert data_version_read() is None
        assert _version("ws_alpha") == before
        commit_writes()
        after = data_version_read()
        assert after is not None and after != before
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {PENDING_TABLE}")  # noqa: S608
            assert cursor.fetchone()[0] == 0


def test_reads_do_not_change_it(alpha):
    with schema_context(alpha.schema_name):
        commit_writes()
        before = data_version_read()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM funnel_lead")
        commit_writes()
        assert data_version_read() == before


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO funnel_lead SELECT * FROM funnel_lead WHERE false",  # even of no row
        "UPDATE configuration_workspacesettings SET currency = currency",
        "DELETE FROM funnel_lead",
        "TRUNCATE funnel_activity",
    ],
)
def test_raw_sql_writes_count(alpha, statement):
    with schema_context(alpha.schema_name):
        commit_writes()
        before = data_version_read()
        with connection.cursor() as cursor:
            cursor.execute(statement)
        commit_writes()
        assert data_version_read() != before


def test_a_write_moves_only_its_own_workspace(alpha, beta):
    commit_writes()
    alpha_before, beta_before = _version("ws_alpha"), _version("ws_beta")
    # Named with its schema while the connection's search_path is beta's: alpha's version moves.
    with schema_context(beta.schema_name), connection.cursor() as cursor:
        cursor.execute('UPDATE "ws_alpha".configuration_workspacesettings SET currency = currency')
    commit_writes()
    assert _version("ws_alpha") != alpha_before
    assert _version("ws_beta") == beta_before
