"""The set-based statements of an import, generated from a kind's columns and a column map.

Every value arrives as text in a staging table filled by COPY. The fast path is optimistic: one
upsert casts every value behind a guard that raises on anything invalid, so a clean file costs
little more than a plain `INSERT … ON CONFLICT`. Only when it raises does the slower detailed
validation run, which lists every problem as (row, column, message). Unchanged rows are not
rewritten (`IS DISTINCT FROM`), so an unchanged re-import writes nothing.

The session time zone is the workspace's while these run: `text::timestamptz` then reads a
value without an offset (or a bare date, at midnight) in that zone, as SPEC section 3 says.
Statements take no parameters (the job id is an int inlined), so `%` needs no escaping.
"""

from smarketing.core.sql import sql_literal

from .kinds import Column, ColumnType, KindSpec
from .mappings import ColumnMap

STAGING = "import_staging"

# pg_temp functions: the guard that aborts the optimistic upsert, and a try-cast for the
# detailed validation (an exception block per call: slow, so only on the error path).
FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION pg_temp.import_reject(anyelement) RETURNS anyelement "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = '22000', "
    "MESSAGE = 'smarketing: invalid import value'; END $$",
    "CREATE OR REPLACE FUNCTION pg_temp.import_is_timestamptz(value text) RETURNS boolean "
    "LANGUAGE plpgsql AS $$ BEGIN PERFORM value::timestamptz; RETURN true; "
    "EXCEPTION WHEN others THEN RETURN false; END $$",
)
REJECT_SQLSTATE = "22000"


def _iso_shape(t: str) -> str:
    """YYYY-MM-DD, optionally followed by T or a space and a time: never a US or EU date."""
    return f"({t} LIKE '____-__-__%' AND (length({t}) = 10 OR substr({t}, 11, 1) IN ('T', ' ')))"


_PATTERNS = {
    ColumnType.MONTH: r"^[0-9]{4}-(0[1-9]|1[0-2])$",
    ColumnType.MONEY: r"^[+]?[0-9]{1,16}(\.[0-9]+)?$",
    ColumnType.INTEGER: r"^[+]?[0-9]{1,18}$",
}


def _valid(column: Column, t: str) -> str:
    """A boolean SQL expression: the non-null text `t` is a valid value of `column`."""
    if column.type in (ColumnType.DATETIME, ColumnType.DATE):
        return f"(CASE WHEN {_iso_shape(t)} THEN pg_temp.import_is_timestamptz({t}) ELSE false END)"
    if column.type in _PATTERNS:
        return f"({t} ~ {sql_literal(_PATTERNS[column.type])})"
    if column.type == ColumnType.ENUM:
        return f"(lower({t}) IN ({', '.join(sql_literal(c) for c in column.choices)}))"
    return "true"


def _cast(column: Column, t: str) -> str:
    """The value of a valid, non-null text `t` in the column's database type."""
    match column.type:
        case ColumnType.DATETIME:
            return f"({t})::timestamptz"
        case ColumnType.DATE:
            return f"(({t})::timestamptz)::date"
        case ColumnType.MONTH:
            return f"(({t}) || '-01')::date"
        case ColumnType.MONEY:
            return f"({t})::numeric(20,4)"
        case ColumnType.INTEGER:
            return f"({t})::bigint"
        case ColumnType.ENUM:
            return f"lower({t})"
    return t


_DB_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.DATETIME: "timestamptz",
    ColumnType.DATE: "date",
    ColumnType.MONTH: "date",
    ColumnType.MONEY: "numeric",
    ColumnType.INTEGER: "bigint",
    ColumnType.ENUM: "text",
}


def _guarded(spec: KindSpec, column: Column, t: str) -> str:
    """The typed value, raising (via pg_temp.import_reject) when the cell is invalid."""
    reject = f"pg_temp.import_reject(NULL::{_DB_TYPES[column.type]})"
    missing = reject if column.required else ("''" if column.type == ColumnType.TEXT else "NULL")
    if spec.name == "deals" and column.name == "closed_at":
        missing = f"CASE WHEN lower(t_status) IN ('won', 'lost') THEN {reject} END"
    if column.type == ColumnType.TEXT:
        return f"COALESCE({t}, {missing})"
    if column.type in (ColumnType.DATETIME, ColumnType.DATE):
        check = _iso_shape(t)  # the cast itself rejects impossible dates
    else:
        check = _valid(column, t)
    return (
        f"CASE WHEN {t} IS NULL THEN {missing} WHEN {check} THEN {_cast(column, t)} "
        f"ELSE {reject} END"
    )


def _invalid_message(column: Column, t: str) -> str:
    shown = f"'\"' || left({t}, 60) || '\"'"
    match column.type:
        case ColumnType.DATETIME | ColumnType.DATE:
            return f"{shown} || ' is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)'"
        case ColumnType.MONTH:
            return f"{shown} || ' is not a month like 2025-03'"
        case ColumnType.MONEY | ColumnType.INTEGER:
            kind = "a decimal number" if column.type == ColumnType.MONEY else "a whole number"
            return (
                f"CASE WHEN left({t}, 1) = '-' THEN {shown} || ' must not be negative' "
                f"ELSE {shown} || ' is not {kind} (digits, with . as the decimal separator)' END"
            )
        case ColumnType.ENUM:
            return f"{shown} || ' is not one of {', '.join(column.choices)}'"
    return "'is invalid'"


def staging_create(column_count: int) -> str:
    columns = ", ".join(f"c{index} text" for index in range(column_count))
    return (
        f"CREATE TEMP TABLE {STAGING} (row_number bigint GENERATED BY DEFAULT AS IDENTITY "
        f"(START WITH 2), {columns}) ON COMMIT DROP"
    )


def copy_statement(column_count: int, delimiter: str) -> str:
    columns = ", ".join(f"c{index}" for index in range(column_count))
    return (
        f"COPY {STAGING} ({columns}) FROM STDIN "
        f"WITH (FORMAT csv, HEADER true, DELIMITER {sql_literal(delimiter)}, ENCODING 'UTF8')"
    )


def copy_rows_statement(column_count: int) -> str:
    columns = ", ".join(f"c{index}" for index in range(column_count))
    return f"COPY {STAGING} (row_number, {columns}) FROM STDIN"


def _texts(column_map: ColumnMap, extras: bool = False) -> str:
    """row_number and t_<column> (the trimmed text or NULL) for every canonical column."""
    parts = [
        f"{column_map.expressions.get(name, 'NULL::text')} AS t_{name}"
        for name in column_map.kind.column_names
    ]
    if extras:
        parts += [f"{expr} AS x_{name}" for name, expr in column_map.extra_expressions.items()]
    return ", ".join(["row_number", *parts])


def _problem_insert(job_id: int, select: str) -> str:
    return (
        'INSERT INTO funnel_importproblem (job_id, severity, row_number, "column", message) '
        f"SELECT {int(job_id)}, severity, row_number, label, message FROM ({select}) AS found"
    )


def _checks_insert(
    job_id: int, column_map: ColumnMap, checks: list[tuple[str, str, str]], where: str = "true"
) -> str:
    values = ", ".join(
        f"({sql_literal(severity)}, {sql_literal(label)}, p{index})"
        for index, (severity, label, _message) in enumerate(checks)
    )
    messages = ", ".join(f"{message} AS p{index}" for index, (_s, _l, message) in enumerate(checks))
    any_problem = " OR ".join(f"p{index} IS NOT NULL" for index in range(len(checks)))
    return _problem_insert(
        job_id,
        "SELECT problem.severity, checked.row_number, problem.label, problem.message "
        f"FROM (SELECT row_number, {messages} FROM (SELECT {_texts(column_map)} "
        f"FROM {STAGING} OFFSET 0) AS texts WHERE {where} OFFSET 0) AS checked "
        f"CROSS JOIN LATERAL (VALUES {values}) AS problem(severity, label, message) "
        f"WHERE ({any_problem}) AND problem.message IS NOT NULL",
    )


def _backwards_checks(column_map: ColumnMap, value_of) -> list[tuple[str, str, str]]:
    """A warning for each stage date earlier than a previous stage's date (SPEC section 2)."""
    spec = column_map.kind
    checks: list[tuple[str, str, str]] = []
    previous: list[str] = []
    for name in spec.ordered_dates:
        if name not in column_map.expressions:
            continue
        value = value_of(spec.column(name), f"t_{name}")
        if previous:
            checks.append(
                (
                    "warning",
                    column_map.labels[name],
                    f"CASE WHEN {value} < GREATEST({', '.join(previous)}) THEN "
                    "'is earlier than an earlier stage''s date (imported anyway)' END",
                )
            )
        previous.append(value)
    return checks


def problems_insert(job_id: int, column_map: ColumnMap) -> str:
    """The detailed validation: one scan, a problem per invalid cell and per backwards date."""
    spec = column_map.kind
    checks: list[tuple[str, str, str]] = []
    for column in spec.columns:
        t = f"t_{column.name}"
        branches = []
        if column.required:
            branches.append(f"WHEN {t} IS NULL THEN 'is required'")
        if spec.name == "deals" and column.name == "closed_at":
            branches.append(
                f"WHEN {t} IS NULL AND lower(t_status) IN ('won', 'lost') "
                "THEN 'is required when the status is won or lost'"
            )
        if column.type != ColumnType.TEXT:
            branches.append(
                f"WHEN {t} IS NOT NULL AND NOT {_valid(column, t)} "
                f"THEN {_invalid_message(column, t)}"
            )
        if branches:
            checks.append(
                ("error", column_map.labels[column.name], f"CASE {' '.join(branches)} END")
            )
    checks += _backwards_checks(
        column_map, lambda column, t: f"CASE WHEN {_valid(column, t)} THEN {_cast(column, t)} END"
    )
    return _checks_insert(job_id, column_map, checks) if checks else ""


def warnings_insert(job_id: int, column_map: ColumnMap) -> str:
    """Backwards stage dates, after a successful optimistic upsert (every value is valid)."""
    checks = _backwards_checks(column_map, lambda column, t: _cast(column, t))
    if not checks:
        return ""
    # Only a row with a later stage's date can go backwards: skip the others without casting.
    later = [
        f"t_{name} IS NOT NULL"
        for name in column_map.kind.ordered_dates[1:]
        if name in column_map.expressions
    ]
    return _checks_insert(job_id, column_map, checks, where=" OR ".join(later) or "true")


def _text_keys(column_map: ColumnMap) -> str:
    return ", ".join(f"t_{name}" for name in column_map.kind.key)


def duplicates_exist(column_map: ColumnMap) -> str:
    return (
        f"SELECT EXISTS (SELECT 1 FROM (SELECT {_texts(column_map)} FROM {STAGING}) AS texts "
        f"GROUP BY {_text_keys(column_map)} HAVING count(*) > 1)"
    )


def duplicates_insert(job_id: int, column_map: ColumnMap) -> str:
    """An error for every row repeating the key of an earlier row (keys compared as values)."""
    spec = column_map.kind
    keys, conditions = [], []
    for name in spec.key:
        column, t = spec.column(name), f"t_{name}"
        keys.append(_cast(column, t))
        conditions.append(f"({t} IS NOT NULL AND {_valid(column, t)})")
    label = sql_literal(column_map.labels[spec.key[0]])
    return _problem_insert(
        job_id,
        f"SELECT 'error' AS severity, row_number, {label} AS label, "
        "'repeats the key of row ' || first_row || ' (a key may appear once per file)' AS message "
        f"FROM (SELECT row_number, min(row_number) OVER (PARTITION BY {', '.join(keys)}) "
        f"AS first_row FROM (SELECT * FROM (SELECT {_texts(column_map)} FROM {STAGING}) AS t "
        f"WHERE {' AND '.join(conditions)} OFFSET 0) AS texts) AS keyed "
        "WHERE row_number <> first_row",
    )


def rejected_rows_insert(job_id: int) -> str:
    """Copy the rows with an error, as they were, for the download."""
    return (
        'INSERT INTO funnel_importrejectedrow (job_id, row_number, "values") '
        f"SELECT {int(job_id)}, s.row_number, to_jsonb(s) - 'row_number' FROM {STAGING} AS s "
        "WHERE s.row_number IN (SELECT row_number FROM funnel_importproblem "
        f"WHERE job_id = {int(job_id)} AND severity = 'error')"
    )


def rejected_rows_delete(job_id: int) -> str:
    return (
        f"DELETE FROM {STAGING} WHERE row_number IN (SELECT row_number FROM "
        f"funnel_importproblem WHERE job_id = {int(job_id)} AND severity = 'error')"
    )


def _as_timestamptz(column: Column, value: str) -> str:
    return value if column.type == ColumnType.DATETIME else f"({value})::timestamptz"


def _date_bounds(spec: KindSpec, prefix: str) -> tuple[str, str]:
    dates = [_as_timestamptz(spec.column(name), f"{prefix}{name}") for name in spec.date_columns]
    if len(dates) == 1:
        return dates[0], dates[0]
    return f"LEAST({', '.join(dates)})", f"GREATEST({', '.join(dates)})"


def _target_columns(column_map: ColumnMap) -> list[str]:
    return [*column_map.kind.column_names, *column_map.extra_expressions]


def _source_select(column_map: ColumnMap) -> str:
    spec = column_map.kind
    values = [
        f"{_guarded(spec, column, f't_{column.name}')} AS {column.name}" for column in spec.columns
    ]
    values += [f"COALESCE(x_{name}, '') AS {name}" for name in column_map.extra_expressions]
    return (
        f"SELECT {', '.join(values)} "
        f"FROM (SELECT {_texts(column_map, extras=True)} FROM {STAGING}) AS texts"
    )


def target_empty(column_map: ColumnMap) -> str:
    return f"SELECT NOT EXISTS (SELECT 1 FROM {column_map.kind.table})"


def previous_bounds(column_map: ColumnMap) -> str:
    """Earliest and latest dates of the existing rows this import will change."""
    spec = column_map.kind
    low, high = _date_bounds(spec, "old.")
    columns = _target_columns(column_map)
    join = " AND ".join(f"old.{name} = new.{name}" for name in spec.key)
    old_values = ", ".join(f"old.{name}" for name in columns)
    new_values = ", ".join(f"new.{name}" for name in columns)
    return (
        f"SELECT min({low}), max({high}) FROM {spec.table} AS old "
        f"JOIN ({_source_select(column_map)}) AS new ON {join} "
        f"WHERE ({old_values}) IS DISTINCT FROM ({new_values})"
    )


def upsert(column_map: ColumnMap, *, returning: bool = True) -> str:
    """Insert or update by the key; unchanged rows are left alone.

    With `returning`, answers (rows written, earliest date written, latest date written);
    without (cheaper when the table was empty: see `table_bounds`), the row count is the
    cursor's.
    """
    spec = column_map.kind
    columns = _target_columns(column_map)
    non_key = [name for name in columns if name not in spec.key]
    if non_key:
        assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in non_key)
        current = ", ".join(f"{spec.table}.{name}" for name in non_key)
        excluded = ", ".join(f"EXCLUDED.{name}" for name in non_key)
        action = f"DO UPDATE SET {assignments} WHERE ({current}) IS DISTINCT FROM ({excluded})"
    else:
        action = "DO NOTHING"
    insert = (
        f"INSERT INTO {spec.table} ({', '.join(columns)}) "
        f"{_source_select(column_map)} ON CONFLICT ({', '.join(spec.key)}) {action}"
    )
    if not returning:
        return insert
    low, high = _date_bounds(spec, "")
    return (
        f"WITH written AS ({insert} RETURNING {low} AS low, {high} AS high) "
        "SELECT count(*), min(low), max(high) FROM written"
    )


def table_bounds(column_map: ColumnMap) -> str:
    """Earliest and latest dates in the whole table (one index probe per indexed column)."""
    spec = column_map.kind
    lows, highs = [], []
    for name in spec.date_columns:
        column = spec.column(name)
        lows.append(_as_timestamptz(column, f"(SELECT min({name}) FROM {spec.table})"))
        highs.append(_as_timestamptz(column, f"(SELECT max({name}) FROM {spec.table})"))
    return f"SELECT LEAST({', '.join(lows)}), GREATEST({', '.join(highs)})"
