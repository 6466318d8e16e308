"""Copy the template schema into a new workspace schema, reading only pg_catalog.

django-tenants' `clone_schema` reads information_schema, whose views scan every schema's
relations: with 100 workspaces in the database one clone took ~8 s, and it grows with each
workspace. This copy looks objects up by the template's namespace oid, so its cost depends on
the template alone, and it keeps every index and constraint name (later migrations that drop
one by name work on clones as on migrated schemas).

The definitions are read with `search_path` set to the template alone, so PostgreSQL prints
the template's own objects unqualified (and anything elsewhere qualified); they are replayed
with `search_path` set to the new schema. Object kinds the template does not have (views,
functions, types, …) are refused rather than silently left out.
"""

from __future__ import annotations

# Relation kinds the copy knows: tables, their indexes and their identity sequences.
COPIED_RELKINDS = {"r", "i", "S"}


class CloneError(Exception):
    """The template holds something this copy cannot reproduce."""


def _template_oid(cursor, template: str) -> int:
    cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
    found = cursor.fetchone()
    if found is None:
        raise CloneError(f"template schema {template!r} does not exist")
    return found[0]


# Objects of the template the copy does not reproduce, each the first one's name by kind.
UNCOPIED_OBJECTS = {
    "function": "SELECT min(proname) FROM pg_proc WHERE pronamespace = %s",
    "type": "SELECT min(t.typname) FROM pg_type t WHERE t.typnamespace = %s"
    " AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid)"
    " AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)",
    # Identity sequences come with their tables; a sequence of its own would be left behind.
    "sequence": "SELECT min(q.relname) FROM pg_class q WHERE q.relnamespace = %s"
    " AND q.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d"
    "   WHERE d.classid = 'pg_class'::regclass AND d.objid = q.oid AND d.deptype = 'i')",
}


def _refuse_unknown_objects(cursor, namespace: int, template: str) -> None:
    cursor.execute(
        "SELECT relkind, min(relname) FROM pg_class WHERE relnamespace = %s"
        " AND relkind <> ALL(%s) GROUP BY relkind",
        [namespace, sorted(COPIED_RELKINDS)],
    )
    unknown = [f"{name} (relkind {kind})" for kind, name in cursor.fetchall()]
    for kind, query in UNCOPIED_OBJECTS.items():
        cursor.execute(query, [namespace])
        name = cursor.fetchone()[0]
        if name:
            unknown.append(f"{kind} {name}")
    if unknown:
        raise CloneError(f"cannot clone {template!r}: it holds {', '.join(unknown)}")


def _statements(cursor, namespace: int, template: str, target: str) -> list[str]:
    """Every statement that rebuilds the template in `target` (run with `target` first on the
    search_path), definitions printed while the template alone is on it."""
    # Quoted as PostgreSQL prints them in definitions (only when needed).
    cursor.execute("SELECT quote_ident(%s), quote_ident(%s)", [template, target])
    quoted_template, quoted_target = cursor.fetchone()
    cursor.execute("SELECT set_config('search_path', %s, true)", [quoted_template])
    cursor.execute(
        "SELECT quote_ident(relname), reloptions FROM pg_class"
        " WHERE relnamespace = %s AND relkind = 'r' ORDER BY relname",
        [namespace],
    )
    tables = cursor.fetchall()
    statements = [f"CREATE SCHEMA {quoted_target}"]
    for table, options in tables:
        # Indexes and constraints are added by name below; LIKE would rename them.
        statements.append(
            f"CREATE TABLE {quoted_target}.{table} (LIKE {quoted_template}.{table}"
            " INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE"
            " INCLUDING COMMENTS INCLUDING COMPRESSION)"
        )
        if options:
            statements.append(f"ALTER TABLE {quoted_target}.{table} SET ({', '.join(options)})")
        statements.append(
            f"INSERT INTO {quoted_target}.{table} OVERRIDING SYSTEM VALUE"
            f" SELECT * FROM {quoted_template}.{table}"
        )
    # Identity sequences continue where the template's stand.
    statements.extend(_sequence_statements(cursor, namespace, target))
    # Indexes that back no constraint, then constraints (keys before the foreign keys that
    # need them), then the triggers users declared.
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relnamespace = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
        "   WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)"
        " ORDER BY c.relname",
        [namespace],
    )
    statements.extend(
        _retarget(definition, quoted_template, quoted_target) for (definition,) in cursor.fetchall()
    )
    cursor.execute(
        "SELECT format('ALTER TABLE ONLY %%I ADD CONSTRAINT %%I %%s',"
        "   t.relname, k.conname, pg_get_constraintdef(k.oid))"
        " FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
        " WHERE t.relnamespace = %s AND k.contype <> 't'"  # constraint triggers: below
        " ORDER BY k.contype = 'f', t.relname, k.conname",
        [namespace],
    )
    statements.extend(definition for (definition,) in cursor.fetchall())
    cursor.execute(
        "SELECT pg_get_triggerdef(g.oid) FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
        " WHERE t.relnamespace = %s AND NOT g.tgisinternal ORDER BY t.relname, g.tgname",
        [namespace],
    )
    statements.extend(
        _retarget(definition, quoted_template, quoted_target) for (definition,) in cursor.fetchall()
    )
    return statements


def _retarget(definition: str, quoted_template: str, quoted_target: str) -> str:
    """PostgreSQL prints an index's or a trigger's table schema-qualified whatever the search
    path: point the first `ON template.` (the table the definition is about) at the target."""
    for on in (" ON ONLY ", " ON "):
        if f"{on}{quoted_template}." in definition:
            return definition.replace(f"{on}{quoted_template}.", f"{on}{quoted_target}.", 1)
    return definition


def _sequence_statements(cursor, namespace: int, target: str) -> list[str]:
    """setval for each identity sequence the template has used (pg_sequence_last_value is null
    for one never used; the pg_sequences view would read every schema's sequences)."""
    # MATERIALIZED: the planner must not call pg_sequence_last_value on other relations.
    cursor.execute(
        "WITH identity AS MATERIALIZED ("
        "  SELECT q.oid, t.relname, a.attname FROM pg_depend d"
        "  JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'"
        "  JOIN pg_class t ON t.oid = d.refobjid"
        "  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
        "  WHERE q.relnamespace = %s AND d.classid = 'pg_class'::regclass"
        "  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i')"
        " SELECT format('SELECT setval(pg_get_serial_sequence(%%L, %%L), %%s, true)',"
        "   quote_ident(%s) || '.' || quote_ident(relname), attname, last_value)"
        " FROM (SELECT relname, attname, pg_sequence_last_value(oid) AS last_value"
        "   FROM identity) used WHERE last_value IS NOT NULL ORDER BY relname, attname",
        [namespace, target],
    )
    return [statement for (statement,) in cursor.fetchall()]


def schema_clone(cursor, *, template: str, target: str) -> None:
    """Create `target` as a copy of `template`: tables, rows, identity sequences, indexes,
    constraints and triggers, each with the template's name. Runs inside the caller's
    transaction (DDL is transactional: a failure leaves nothing behind)."""
    namespace = _template_oid(cursor, template)
    _refuse_unknown_objects(cursor, namespace, template)
    cursor.execute("SHOW search_path")
    search_path = cursor.fetchone()[0]
    try:
        statements = _statements(cursor, namespace, template, target)
        cursor.execute(statements[0])  # the schema, before it can be on the search_path
        cursor.execute("SELECT set_config('search_path', quote_ident(%s), true)", [target])
        cursor.execute(";\n".join(statements[1:]))
    finally:
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
