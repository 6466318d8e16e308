"""The pg_catalog copy of the template schema: what it copies must equal the template, object by
object and name by name; what it cannot copy it refuses."""

import re

import pytest
from django.db import connection
from psycopg import sql

from tenants import provisioning
from tenants.clone import CloneError, schema_clone

# Each query runs with the schema alone on the search_path, so definitions print unqualified.
FINGERPRINT_QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation,
               a.attstorage
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relnamespace = %(namespace)s AND c.relkind = 'r' ORDER BY 1, 2""",
    "indexes": """
        SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c
        WHERE c.relnamespace = %(namespace)s AND c.relkind = 'i' ORDER BY 1""",
    "constraints": """
        SELECT t.relname, k.conname, pg_get_constraintdef(k.oid), k.condeferrable,
               k.condeferred, k.convalidated
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
        WHERE t.relnamespace = %(namespace)s AND k.contype <> 't' ORDER BY 1, 2""",
    "triggers": """
        SELECT t.relname, g.tgname, pg_get_triggerdef(g.oid) FROM pg_trigger g
        JOIN pg_class t ON t.oid = g.tgrelid
        WHERE t.relnamespace = %(namespace)s AND NOT g.tgisinternal ORDER BY 1, 2""",
    "foreign key triggers": """
        SELECT count(*) FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
        WHERE t.relnamespace = %(namespace)s AND g.tgisinternal""",
    "sequences": """
        SELECT c.relname, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcycle
        FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
        WHERE c.relnamespace = %(namespace)s ORDER BY 1""",
    "table options": """
        SELECT relname, reloptions, relpersistence FROM pg_class
        WHERE relnamespace = %(namespace)s AND relkind = 'r' ORDER BY 1""",
}


def _fingerprint(schema: str) -> dict[str, list]:
    """Every property of the schema's objects the copy must reproduce, and every table's rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema])
        namespace = cursor.fetchone()[0]
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('search_path', %s, true)", [f'"{schema}"'])
        found = {}
        for name, query in FINGERPRINT_QUERIES.items():
            cursor.execute(query, {"namespace": namespace})
            # Index and trigger definitions name their table's schema whatever the path.
            found[name] = [
                tuple(
                    value.replace(f" ON {schema}.", " ON <schema>.")
                    if isinstance(value, str)
                    else value
                    for value in row
                )
                for row in cursor.fetchall()
            ]
        rows = []
        for (table,) in _tables(cursor, namespace):
            cursor.execute(
                sql.SQL(
                    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t"
                ).format(sql.Identifier(table))
            )
            rows.append((table, cursor.fetchone()[0]))
        found["rows"] = rows
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    return found


def _tables(cursor, namespace: int) -> list[tuple[str]]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = %s AND relkind = 'r' ORDER BY 1",
        [namespace],
    )
    return cursor.fetchall()


def _next_ids(schema: str) -> list[tuple[str, int]]:
    """The id each identity column would hand out next (sequences continue the template's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, s.relname FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace JOIN pg_depend d ON d.refobjid = c.oid AND d.deptype = 'i'"
            " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
            " WHERE n.nspname = %s ORDER BY 1",
            [schema],
        )
        pairs = cursor.fetchall()
        result = []
        for table, sequence in pairs:
            cursor.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(
                    sql.Identifier(schema, sequence)
                )
            )
            result.append((table, *cursor.fetchone()))
    return result


def test_clone_equals_template_object_by_object_and_row_by_row(db):
    template = provisioning.template_schema_ensure_current()
    with connection.cursor() as cursor:
        schema_clone(cursor, template=template, target="ws_copy_check")
    original, copy = _fingerprint(template), _fingerprint("ws_copy_check")
    assert original["columns"], "the template has no tables"
    assert any(table == "django_migrations" for table, _ in copy["rows"])
    for part in FINGERPRINT_QUERIES.keys() | {"rows"}:
        assert copy[part] == original[part], part
    assert _next_ids("ws_copy_check") == _next_ids(template)


def test_clone_copies_declared_triggers_and_keeps_the_search_path(db):
    template = provisioning.template_schema_ensure_current()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION public.clone_test_noop() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NULL; END $$"
        )
        cursor.execute(
            sql.SQL(
                "CREATE TRIGGER noop_after_write AFTER INSERT OR UPDATE ON {}"
                " FOR EACH STATEMENT EXECUTE FUNCTION public.clone_test_noop()"
            ).format(sql.Identifier(template, "funnel_reason"))
        )
        cursor.execute(
            sql.SQL(
                "CREATE CONSTRAINT TRIGGER noop_at_commit AFTER INSERT ON {}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " EXECUTE FUNCTION public.clone_test_noop()"
            ).format(sql.Identifier(template, "funnel_reason"))
        )
        cursor.execute("SHOW search_path")
        before = cursor.fetchone()[0]
        schema_clone(cursor, template=template, target="ws_trigger_check")
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == before
    copy, original = _fingerprint("ws_trigger_check"), _fingerprint(template)
    # Besides the data version's triggers, on every table (smarketing/core/data_version.py).
    declared = [trigger for trigger in copy["triggers"] if trigger[1].startswith("noop_")]
    assert [(table, name) for table, name, _ in declared] == [
        ("funnel_reason", "noop_after_write"),
        ("funnel_reason", "noop_at_commit"),
    ]
    assert copy["triggers"] == original["triggers"]
    assert "DEFERRABLE INITIALLY DEFERRED" in declared[1][2]
    assert ("data_change_pending", "smk_data_version_bump") in [
        (table, name) for table, name, _ in copy["triggers"]
    ]


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("CREATE VIEW {}.clone_view AS SELECT 1 AS one", "clone_view (relkind v)"),
        (
            "CREATE FUNCTION {}.clone_function() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "function clone_function",
        ),
        ("CREATE TYPE {}.clone_mood AS ENUM ('ok')", "type clone_mood"),
        ("CREATE SEQUENCE {}.clone_counter", "sequence clone_counter"),
    ],
)
def test_clone_refuses_what_it_cannot_copy_and_creates_nothing(db, statement, named):
    template = provisioning.template_schema_ensure_current()
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL(statement).format(sql.Identifier(template)))
        with pytest.raises(CloneError, match=re.escape(named)):
            schema_clone(cursor, template=template, target="ws_refused")
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'ws_refused'")
        assert cursor.fetchone() == (0,)
