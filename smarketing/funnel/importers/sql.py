"""The set-based statements of an import, generated from a kind's columns and a column map.

Every value arrives as text in a staging table filled by COPY. The fast path is optimistic: one
pass types every cell into a temporary table behind a guard that raises on anything invalid
(`typed_create`); the duplicate check, the warnings and the upsert read that typed relation, so
no cell is trimmed or cast twice and a clean file costs little more than a plain `INSERT … ON
CONFLICT`. Only when the guard raises does the slower detailed validation run, which lists every
problem as (row, column, message). Only new or changed rows are written (`upsert_changed`), so
an unchanged re-import writes nothing.

The session time zone is the workspace's while these run: `text::timestamptz` then reads a
value without an offset (or a bare date, at midnight) in that zone, as SPEC section 3 says.
Statements take no parameters (the job id is an int inlined), so `%` needs no escaping.
"""

from dataclasses import replace

from smarketing.core.sql import sql_literal

from .kinds import Column, ColumnType, KindSpec
from .mappings import ColumnMap, ParseOptions

STAGING = "import_staging"
# The staged rows typed: see `typed_create`.
TYPED = "import_typed"
VALUE_MAP = "import_value_map"
# The workspace's reason lists as (kind, lower-cased value, reason name): every reason's name
# and every alias an admin saved (SPEC 2's rejection and loss reasons, issue 9).
REASON_MAP = "import_reason_map"

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

# Collations whose character classes and lower() know every script, best first. The database
# may have been created with the C locale (the embedded development server is), where
# [[:alnum:]] and lower() only know ASCII.
UNICODE_COLLATIONS = ("und-x-icu", "C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8")
UNICODE_COLLATION_QUERY = (
    "SELECT collname FROM pg_collation WHERE collname = ANY(%s) "
    "AND collencoding IN (-1, pg_char_to_encoding('UTF8'))"
)
# Without one: ASCII rules plus the Latin-1 letters, enough for Western European names.
_LATIN_UPPER = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ"
_LATIN_LOWER = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ"


def unicode_collation(available: list[str]) -> str | None:
    """The first of UNICODE_COLLATIONS that the database has."""
    return next((name for name in UNICODE_COLLATIONS if name in available), None)


def _iso_shape(t: str) -> str:
    """YYYY-MM-DD, optionally followed by T or a space and a time: never a US or EU date.
    Three patterns rather than a pattern, length() and substr(): each of those reads the text
    character by character, and this runs for every date cell."""
    return f"({t} LIKE '____-__-__T%' OR {t} LIKE '____-__-__' OR {t} LIKE '____-__-__ %')"


# --- Dates in a day/month/year order (SPEC 3.1 "date_order") ----------------------------------

_TIME = (
    r"(?:(?:,[[:space:]]*|[[:space:]]+|T)"
    r"([0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:[[:space:]]*[AaPp][Mm])?))?$"
)
# (pattern, replacement giving year-month-day and the time) per order; `\2` is the separator,
# the same between every part. PostgreSQL's own input then reads the time (AM/PM included)
# and refuses impossible dates.
_DATE_ORDERS = {
    "DMY": (r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})" + _TIME, r"\4-\3-\1 \5"),
    "MDY": (r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})" + _TIME, r"\4-\1-\3 \5"),
    "YMD": (r"^([0-9]{4}|[0-9]{2})([/.-])([0-9]{1,2})\2([0-9]{1,2})" + _TIME, r"\1-\3-\4 \5"),
}
DATE_EXAMPLES = {"DMY": "14/03/2025", "MDY": "3/14/25 9:30 AM", "YMD": "2025/03/14"}
_NOT_ISO = " is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)"
_DATE_ORDER_HINT = '; to read dates like this one, set "date_order" (DMY, MDY or YMD) in a mapping'
# What a numeric date in another order looks like, for the hint of a file without date_order.
_NUMERIC_DATE = r"^[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}([^0-9]|$)"


def date_text(t: str, order: str) -> str:
    """`t` in `order` as text PostgreSQL reads as year-month-day, or NULL when it is not a
    date of that shape. A two-digit year is 20YY."""
    pattern, replacement = _DATE_ORDERS[order]
    reordered = f"regexp_replace({t}, {sql_literal(pattern)}, {sql_literal(replacement)})"
    return (
        f"CASE WHEN {t} ~ {sql_literal(pattern)} THEN "
        f"rtrim(regexp_replace({reordered}, '^([0-9]{{2}})-', '20\\1-')) END"
    )


# --- Amounts with currency signs and thousands separators (SPEC 3.1 "decimal") ---------------

# Removed around an amount: spaces (also the no-break ones), letters (ISO codes like USD),
# currency signs and apostrophes (Swiss thousands).
_MONEY_NOISE = "[[:space:][:alpha:]\u00a0\u202f\u2009$€£¥₹₽₩₺₪₫₱¢₦₴'’]+"
_GROUPED = {
    ".": (r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$", ","),
    ",": (r"^[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?$", "."),
}


def _collated(t: str, collation: str | None) -> str:
    return f'({t}) COLLATE "{collation}"' if collation else f"({t})"


def number_text(t: str, decimal: str, collation: str | None) -> str:
    """An amount as written (`$1,234.56`, `1.234,56 €`) as plain digits with a `.`, or NULL
    when it is not an amount of that shape."""
    bare = f"regexp_replace({_collated(t, collation)}, {sql_literal(_MONEY_NOISE)}, '', 'g')"
    pattern, thousands = _GROUPED[decimal]
    plain = f"replace({bare}, {sql_literal(thousands)}, '')"
    if decimal == ",":
        plain = f"replace({plain}, ',', '.')"
    return f"CASE WHEN {bare} ~ {sql_literal(pattern)} THEN {plain} END"


# --- Channel names (SPEC 3.1) ------------------------------------------------------------------


def channel_text(t: str, collation: str | None) -> str:
    """Trimmed, lower-cased, spaces and punctuation as `_`, letters of any script kept."""
    if collation:
        lowered = f"lower({_collated(t, collation)})"
        separators = "[^[:alnum:]]+"
    else:
        lowered = f"lower(translate({t}, {sql_literal(_LATIN_UPPER)}, {sql_literal(_LATIN_LOWER)}))"
        separators = "[^0-9a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\uffff]+"
    normalized = f"btrim(regexp_replace({lowered}, {sql_literal(separators)}, '_', 'g'), '_')"
    # Most files already write channel names this way: skip the work for them.
    return f"CASE WHEN {t} ~ '^[a-z0-9]+(_[a-z0-9]+)*$' THEN {t} ELSE {normalized} END"


_PATTERNS = {
    ColumnType.MONTH: r"^[0-9]{4}-(0[1-9]|1[0-2])$",
    ColumnType.MONEY: r"^[+]?[0-9]{1,16}(\.[0-9]+)?$",
    ColumnType.INTEGER: r"^[+]?[0-9]{1,18}$",
    ColumnType.CURRENCY: r"^[A-Za-z]{3}$",
}


class Reader:
    """The SQL of one import's cells: checks, casts and messages under its parse options."""

    def __init__(self, options: ParseOptions, collation: str | None = None):
        self.options, self.collation = options, collation

    def text(self, column: Column, t: str) -> str:
        """The text that the column's pattern checks: amounts cleaned, dates reordered."""
        if column.type in (ColumnType.MONEY, ColumnType.INTEGER) and self.options.decimal:
            return number_text(t, self.options.decimal, self.collation)
        return t

    def valid(self, column: Column, t: str) -> str:
        """A boolean SQL expression: the non-null text `t` is a valid value of `column`."""
        if column.type in (ColumnType.DATETIME, ColumnType.DATE):
            iso = f"WHEN {_iso_shape(t)} THEN pg_temp.import_is_timestamptz({t})"
            other = ""
            if self.options.date_order:
                reordered = date_text(t, self.options.date_order)
                other = (
                    f" WHEN {reordered} IS NOT NULL THEN pg_temp.import_is_timestamptz({reordered})"
                )
            return f"(CASE {iso}{other} ELSE false END)"
        if column.type == ColumnType.CHANNEL:
            return f"({channel_text(t, self.collation)} <> '')"
        if column.type in _PATTERNS:
            # COALESCE: an amount of the wrong shape reads as NULL, and NULL is not valid.
            return (
                f"COALESCE({self.text(column, t)} ~ {sql_literal(_PATTERNS[column.type])}, false)"
            )
        if column.type == ColumnType.ENUM:
            return f"(lower({t}) IN ({', '.join(sql_literal(c) for c in column.choices)}))"
        return "true"

    def cast(self, column: Column, t: str) -> str:
        """The value of a valid, non-null text `t` in the column's database type."""
        match column.type:
            case ColumnType.DATETIME | ColumnType.DATE:
                value = t
                if self.options.date_order:
                    value = (
                        f"CASE WHEN {_iso_shape(t)} THEN {t} "
                        f"ELSE {date_text(t, self.options.date_order)} END"
                    )
                cast = f"({value})::timestamptz"
                return cast if column.type == ColumnType.DATETIME else f"({cast})::date"
            case ColumnType.MONTH:
                return f"(({t}) || '-01')::date"
            case ColumnType.MONEY:
                return f"({self.text(column, t)})::numeric(20,4)"
            case ColumnType.INTEGER:
                return f"({self.text(column, t)})::bigint"
            case ColumnType.ENUM:
                return f"lower({t})"
            case ColumnType.CHANNEL:
                return channel_text(t, self.collation)
            case ColumnType.CURRENCY:
                return f"upper({t})"
        return t

    def guarded(self, spec: KindSpec, column: Column, t: str) -> str:
        """The typed value, raising (via pg_temp.import_reject) when the cell is invalid."""
        db_type = _DB_TYPES[column.type]
        reject = f"pg_temp.import_reject(NULL::{db_type})"
        lenient = self.options.lenient
        if column.required:
            missing = reject
        elif db_type == "text":
            missing = "''"
        else:
            missing = "NULL"
        if lenient and column.type == ColumnType.CHANNEL:
            missing = "'unknown'"
        if lenient and column.type == ColumnType.MONEY:
            missing = "0::numeric(20,4)"
        if spec.name == "deals" and column.name == "closed_at" and not lenient:
            missing = f"CASE WHEN lower(t_status) IN ('won', 'lost') THEN {reject} END"
        if column.type == ColumnType.TEXT:
            if column.reasons:
                # An empty cell's lookup does not depend on the row: planned once, not per row.
                return (
                    f"CASE WHEN {t} IS NULL THEN {reason_mapped(column.reasons, missing)} "
                    f"ELSE {reason_mapped(column.reasons, t)} END"
                )
            return f"COALESCE({t}, {missing})"
        if column.type == ColumnType.CHANNEL:
            empty = "'unknown'" if lenient else reject
            return (
                f"CASE WHEN {t} IS NULL THEN {missing} "
                f"ELSE COALESCE(NULLIF({channel_text(t, self.collation)}, ''), {empty}) END"
            )
        if column.type in (ColumnType.DATETIME, ColumnType.DATE):
            # The cast itself rejects impossible dates.
            if self.options.date_order:
                reordered = date_text(t, self.options.date_order)
                value = (
                    f"CASE WHEN {_iso_shape(t)} THEN {t} "
                    f"ELSE COALESCE({reordered}, pg_temp.import_reject(NULL::text)) END"
                )
                cast = f"({value})::timestamptz"
                if column.type == ColumnType.DATE:
                    cast = f"({cast})::date"
                return f"CASE WHEN {t} IS NULL THEN {missing} ELSE {cast} END"
            check = _iso_shape(t)
        else:
            check = self.valid(column, t)
        return (
            f"CASE WHEN {t} IS NULL THEN {missing} WHEN {check} THEN {self.cast(column, t)} "
            f"ELSE {reject} END"
        )

    def invalid_message(self, column: Column, t: str) -> str:
        shown = f"'\"' || left({t}, 60) || '\"'"
        order = self.options.date_order
        match column.type:
            case ColumnType.DATETIME | ColumnType.DATE:
                iso = "ISO 8601 (2025-03-14 or 2025-03-14T09:30:00Z)"
                if order:
                    return (
                        f"{shown} || ' is not a date in {order} order "
                        f"({DATE_EXAMPLES[order]}) or {iso}'"
                    )
                numeric = f"{t} ~ {sql_literal(_NUMERIC_DATE)} AND NOT {_iso_shape(t)}"
                return (
                    f"{shown} || CASE WHEN {numeric} THEN "
                    f"{sql_literal(_NOT_ISO + _DATE_ORDER_HINT)} ELSE {sql_literal(_NOT_ISO)} END"
                )
            case ColumnType.MONTH:
                return f"{shown} || ' is not a month like 2025-03'"
            case ColumnType.MONEY | ColumnType.INTEGER:
                kind = "a decimal number" if column.type == ColumnType.MONEY else "a whole number"
                negative = f"CASE WHEN left({self.text(column, t)}, 1) = '-'"
                decimal = self.options.decimal
                if decimal is None:
                    hint = "(digits, with . as the decimal separator)"
                elif decimal == ".":
                    hint = '(like 1234.56 or $1,234.56; for 1.234,56 set "decimal": ",")'
                else:
                    hint = "(like 1234,56 or 1.234,56 €)"
                return (
                    f"{negative} THEN {shown} || ' must not be negative' "
                    f"ELSE {shown} || {sql_literal(f' is not {kind} {hint}')} END"
                )
            case ColumnType.ENUM:
                return f"{shown} || ' is not one of {', '.join(column.choices)}'"
            case ColumnType.CHANNEL:
                return f"{shown} || ' has no letter or digit to name a channel'"
            case ColumnType.CURRENCY:
                return f"{shown} || ' is not a three-letter currency code (ISO 4217, like EUR)'"
        return "'is invalid'"


_DB_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.DATETIME: "timestamptz",
    ColumnType.DATE: "date",
    ColumnType.MONTH: "date",
    ColumnType.MONEY: "numeric",
    ColumnType.INTEGER: "bigint",
    ColumnType.ENUM: "text",
    ColumnType.CHANNEL: "text",
    ColumnType.CURRENCY: "text",
}


def reader(column_map: ColumnMap) -> Reader:
    return Reader(column_map.options, column_map.collation)


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


def value_map_create() -> str:
    """The mapping's value tables, one row per (canonical column, file value)."""
    return (
        f"CREATE TEMP TABLE {VALUE_MAP} (column_name text, file_value text, value text, "
        "PRIMARY KEY (column_name, file_value)) ON COMMIT DROP"
    )


def reason_map_create() -> tuple[str, ...]:
    """The reason lists as a temporary table the upsert looks values up in: an alias first,
    then a reason's own name, both in any letter case and without surrounding spaces."""
    return (
        f"DROP TABLE IF EXISTS pg_temp.{REASON_MAP}",
        f"CREATE TEMP TABLE {REASON_MAP} (kind text, value_key text, name text, "
        "PRIMARY KEY (kind, value_key)) ON COMMIT DROP",
        f"INSERT INTO pg_temp.{REASON_MAP} SELECT alias.kind, lower(btrim(alias.value)), "
        "reason.name FROM funnel_reasonalias AS alias "
        "JOIN funnel_reason AS reason ON reason.id = alias.reason_id ON CONFLICT DO NOTHING",
        f"INSERT INTO pg_temp.{REASON_MAP} SELECT kind, lower(btrim(name)), name "
        "FROM funnel_reason ON CONFLICT DO NOTHING",
    )


def reason_mapped(kind: str, value: str) -> str:
    """`value` (text, not null) as the name of the reason it means, or unchanged when it is
    on no list (kept for an admin to map)."""
    return (
        f"COALESCE((SELECT name FROM pg_temp.{REASON_MAP} WHERE kind = {sql_literal(kind)} "
        f"AND value_key = lower(btrim({value}))), {value})"
    )


def value_map_rows(column_map: ColumnMap) -> list[tuple[str, str, str]]:
    return [
        (table.column, file_value, value)
        for table in column_map.value_tables
        for file_value, value in table.entries.items()
    ]


def _texts(column_map: ColumnMap, extras: bool = False) -> str:
    """SELECT row_number and t_<column> (the canonical text or NULL) of every canonical column,
    FROM the staging table joined to the mapping's value tables."""
    parts = [
        f"{column_map.expressions.get(name, 'NULL::text')} AS t_{name}"
        for name in column_map.kind.column_names
    ]
    if extras:
        parts += [f"{expr} AS x_{name}" for name, expr in column_map.extra_expressions.items()]
    joins = "".join(
        f" LEFT JOIN {VALUE_MAP} AS {table.alias} ON {table.alias}.column_name = "
        f"{sql_literal(table.column)} AND {table.alias}.file_value = {table.key}"
        for table in column_map.value_tables
    )
    return f"SELECT {', '.join(['row_number', *parts])} FROM {STAGING}{joins}"


def _problem_insert(job_id: int, select: str) -> str:
    return (
        'INSERT INTO funnel_importproblem (job_id, severity, row_number, "column", message) '
        f"SELECT {int(job_id)}, severity, row_number, label, message FROM ({select}) AS found"
    )


def _checks_insert(
    job_id: int,
    column_map: ColumnMap,
    checks: list[tuple[str, str, str]],
    where: str = "true",
    source: str = "",
) -> str:
    """Insert a problem per (row, check) that finds one. `source` is the relation the checks
    read (the staged texts by default, as `t_<column>`)."""
    values = ", ".join(
        f"({index}, {sql_literal(severity)}, {sql_literal(label)}, p{index})"
        for index, (severity, label, _message) in enumerate(checks)
    )
    messages = ", ".join(f"{message} AS p{index}" for index, (_s, _l, message) in enumerate(checks))
    any_problem = " OR ".join(f"p{index} IS NOT NULL" for index in range(len(checks)))
    texts = f"({_texts(column_map)} OFFSET 0) AS texts"
    # Grouped: a file column feeding two canonical columns (created_at and mql_at) is one
    # problem, said once; ordered by row, then as the checks are listed.
    return _problem_insert(
        job_id,
        "SELECT problem.severity, checked.row_number, problem.label, problem.message "
        f"FROM (SELECT row_number, {messages} FROM {source or texts} "
        f"WHERE {where} OFFSET 0) AS checked "
        f"CROSS JOIN LATERAL (VALUES {values}) AS problem(position, severity, label, message) "
        f"WHERE ({any_problem}) AND problem.message IS NOT NULL "
        "GROUP BY problem.severity, checked.row_number, problem.label, problem.message "
        "ORDER BY checked.row_number, min(problem.position)",
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


def _closed_without_date(column_map: ColumnMap, typed: bool = False) -> str:
    if typed:  # the typed status is lower-cased already
        return "closed_at IS NULL AND status IN ('won', 'lost')"
    return "t_closed_at IS NULL AND lower(t_status) IN ('won', 'lost')"


def _lenient_checks(column_map: ColumnMap, typed: bool = False) -> list[tuple[str, str, str]]:
    """Warnings for what vendor formats accept (SPEC 3.1): a closed deal without a close date."""
    spec = column_map.kind
    if not (column_map.options.lenient and spec.name == "deals"):
        return []
    return [
        (
            "warning",
            column_map.labels["closed_at"],
            f"CASE WHEN {_closed_without_date(column_map, typed)} THEN 'is empty for a won or lost "
            "deal: stored, and left out of every KPI dated by the close date' END",
        )
    ]


def cell_errors(column_map: ColumnMap) -> dict[str, str]:
    """Per canonical column, a SQL expression: the error of the row's cell, or NULL."""
    spec = column_map.kind
    read = reader(column_map)
    lenient = column_map.options.lenient
    errors: dict[str, str] = {}
    for column in spec.columns:
        if column.name in column_map.constants:
            continue  # checked with the mapping, before the file was read
        t = f"t_{column.name}"
        branches = []
        if column.required and not (
            lenient and column.type in (ColumnType.CHANNEL, ColumnType.MONEY)
        ):
            branches.append(f"WHEN {t} IS NULL THEN 'is required'")
        if spec.name == "deals" and column.name == "closed_at" and not lenient:
            branches.append(
                f"WHEN {_closed_without_date(column_map)} "
                "THEN 'is required when the status is won or lost'"
            )
        if column.type != ColumnType.TEXT and not (lenient and column.type == ColumnType.CHANNEL):
            branches.append(
                f"WHEN {t} IS NOT NULL AND NOT {read.valid(column, t)} "
                f"THEN {read.invalid_message(column, t)}"
            )
        if branches:
            errors[column.name] = f"CASE {' '.join(branches)} END"
    return errors


def problems_insert(job_id: int, column_map: ColumnMap) -> str:
    """The detailed validation: one scan, a problem per invalid cell and per backwards date."""
    read = reader(column_map)
    checks: list[tuple[str, str, str]] = [
        ("error", column_map.labels[name], message)
        for name, message in cell_errors(column_map).items()
    ]
    checks += _backwards_checks(
        column_map,
        lambda column, t: f"CASE WHEN {read.valid(column, t)} THEN {read.cast(column, t)} END",
    )
    checks += _lenient_checks(column_map)
    return _checks_insert(job_id, column_map, checks) if checks else ""


def preview_rows(column_map: ColumnMap, limit: int) -> str:
    """The first rows as they will be stored: per canonical column its value as text (NULL
    when empty or invalid) and its error, without raising on an invalid cell."""
    spec = column_map.kind
    read = reader(column_map)
    errors = cell_errors(column_map)
    parts = []
    for column in spec.columns:
        t = f"t_{column.name}"
        error = errors.get(column.name, "NULL::text")
        value = (
            f"CASE WHEN {error} IS NOT NULL THEN NULL "
            f"ELSE ({read.guarded(spec, column, t)})::text END"
        )
        parts += [f"{value} AS v_{column.name}", f"{error} AS e_{column.name}"]
    return (
        f"SELECT row_number, {', '.join(parts)} FROM ({_texts(column_map)}) AS texts "
        f"ORDER BY row_number LIMIT {int(limit)}"
    )


def distinct_values(column_map: ColumnMap, name: str, limit: int) -> str:
    """The file's values in the column feeding `name`, how often, and what each becomes."""
    index = column_map.sources[name]
    cell = f"btrim(c{index})"
    return (
        f"SELECT COALESCE({cell}, '') AS value, count(*) AS rows, "
        f"array_agg(DISTINCT lower(t_{name})) FILTER (WHERE t_{name} IS NOT NULL) AS becomes "
        f"FROM (SELECT texts.*, staged.c{index} FROM ({_texts(column_map)}) AS texts "
        f"JOIN {STAGING} AS staged USING (row_number)) AS cells "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(limit)}"
    )


def warnings_insert(job_id: int, column_map: ColumnMap) -> str:
    """Backwards stage dates and what vendor formats accept with a warning, after a successful
    optimistic upsert: read from the typed relation (every value valid and cast already)."""
    backwards = _backwards_checks(column_map, lambda column, t: column.name)
    lenient = _lenient_checks(column_map, typed=True)
    # Only a row with a later stage's date can go backwards: skip the others.
    later = [
        f"{name} IS NOT NULL"
        for name in column_map.kind.ordered_dates[1:]
        if name in column_map.expressions
    ]
    if lenient:
        later.append(_closed_without_date(column_map, typed=True))
    checks = backwards + lenient
    if not checks:
        return ""
    return _checks_insert(
        job_id, column_map, checks, where=" OR ".join(later) or "true", source=TYPED
    )


def duplicates_exist(column_map: ColumnMap) -> str:
    """Whether a key repeats, compared as the values it is stored as (`2025-01-01` and
    `2025-01-01T00:00:00` are one date): on the typed relation."""
    return (
        f"SELECT EXISTS (SELECT 1 FROM {TYPED} "
        f"GROUP BY {', '.join(column_map.kind.key)} HAVING count(*) > 1)"
    )


def duplicates_insert(job_id: int, column_map: ColumnMap) -> str:
    """An error for every row repeating the key of an earlier row (keys compared as values)."""
    spec = column_map.kind
    read = reader(column_map)
    keys, conditions = [], []
    for name in spec.key:
        column, t = spec.column(name), f"t_{name}"
        keys.append(read.cast(column, t))
        conditions.append(f"({t} IS NOT NULL AND {read.valid(column, t)})")
    label = sql_literal(column_map.labels[spec.key[0]])
    return _problem_insert(
        job_id,
        f"SELECT 'error' AS severity, row_number, {label} AS label, "
        "'repeats the key of row ' || first_row || ' (a key may appear once per file)' AS message "
        f"FROM (SELECT row_number, min(row_number) OVER (PARTITION BY {', '.join(keys)}) "
        f"AS first_row FROM (SELECT * FROM ({_texts(column_map)}) AS t "
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


def typed_create(column_map: ColumnMap) -> tuple[str, str]:
    """The typed relation: every staged row's values as they will be stored, each cell trimmed,
    checked and cast once, in one pass. Raises (pg_temp.import_reject, or the cast itself) on
    the first invalid cell; the detailed validation then says which. The duplicate check, the
    warnings and the upsert read it instead of casting the texts again."""
    spec = column_map.kind
    read = reader(column_map)
    values, joins = [], []
    for column in spec.columns:
        t = f"t_{column.name}"
        if not column.reasons:
            values.append(f"{read.guarded(spec, column, t)} AS {column.name}")
            continue
        # What `reason_mapped` does, as a hash join with the reason list rather than an index
        # lookup per row (a fifth of the typing's time on a file of leads).
        plain = read.guarded(spec, replace(column, reasons=""), t)
        alias = f"reason_{column.name}"
        values.append(f"COALESCE({alias}.name, {plain}) AS {column.name}")
        joins.append(
            f" LEFT JOIN pg_temp.{REASON_MAP} AS {alias} ON {alias}.kind = "
            f"{sql_literal(column.reasons)} AND {alias}.value_key = lower(btrim({plain}))"
        )
    values += [f"COALESCE(x_{name}, '') AS {name}" for name in column_map.extra_expressions]
    return (
        f"DROP TABLE IF EXISTS pg_temp.{TYPED}",
        f"CREATE TEMP TABLE {TYPED} ON COMMIT DROP AS SELECT row_number, {', '.join(values)} "
        # OFFSET 0: each text once, not inlined into every use in the checks and the cast.
        f"FROM ({_texts(column_map, extras=True)} OFFSET 0) AS texts{''.join(joins)}",
    )


def target_empty(column_map: ColumnMap) -> str:
    return f"SELECT NOT EXISTS (SELECT 1 FROM {column_map.kind.table})"


def _non_key_columns(column_map: ColumnMap) -> list[str]:
    return [name for name in _target_columns(column_map) if name not in column_map.kind.key]


def _upsert(column_map: ColumnMap, source: str) -> str:
    """Insert or update the rows of `source` by the key; unchanged rows are left alone."""
    spec = column_map.kind
    columns = _target_columns(column_map)
    non_key = _non_key_columns(column_map)
    if non_key:
        assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in non_key)
        current = ", ".join(f"{spec.table}.{name}" for name in non_key)
        excluded = ", ".join(f"EXCLUDED.{name}" for name in non_key)
        action = f"DO UPDATE SET {assignments} WHERE ({current}) IS DISTINCT FROM ({excluded})"
    else:
        action = "DO NOTHING"
    return (
        f"INSERT INTO {spec.table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {source} ON CONFLICT ({', '.join(spec.key)}) {action}"
    )


def insert_into_empty(column_map: ColumnMap) -> str:
    """Every typed row into an empty table (its bounds are then the table's: `table_bounds`);
    the row count is the cursor's. A plain INSERT: nothing can conflict but a key the file
    repeats, which the key's unique index refuses (unique_violation), and it costs ~40% less
    than `ON CONFLICT`'s speculative insertion (1M leads: 10.5 s vs 17 s)."""
    columns = ", ".join(_target_columns(column_map))
    return f"INSERT INTO {column_map.kind.table} ({columns}) SELECT {columns} FROM {TYPED}"


def upsert_changed(column_map: ColumnMap) -> str:
    """Write the typed rows that are new or differ from the stored ones, and answer (rows
    written, earliest date, latest date) over their new dates and the old dates of the rows
    they overwrite (the periods the import touched).

    One join of the typed rows with the table picks them; an unchanged row writes nothing
    (neither a new row version nor index entries), so an unchanged re-import only reads.
    """
    spec = column_map.kind
    columns = _target_columns(column_map)
    non_key = _non_key_columns(column_map)
    join = " AND ".join(f"old.{name} = new.{name}" for name in spec.key)
    differs = f"old.{spec.key[0]} IS NULL"
    if non_key:
        old_values = ", ".join(f"old.{name}" for name in non_key)
        new_values = ", ".join(f"new.{name}" for name in non_key)
        differs += f" OR ({old_values}) IS DISTINCT FROM ({new_values})"
    old_low, old_high = _date_bounds(spec, "old.")
    low, high = _date_bounds(spec, "")
    new_columns = ", ".join(f"new.{name}" for name in columns)
    return (
        f"WITH changed AS MATERIALIZED (SELECT {new_columns}, {old_low} AS old_low, "
        f"{old_high} AS old_high FROM {TYPED} AS new LEFT JOIN {spec.table} AS old ON {join} "
        f"WHERE {differs}), "
        f"written AS ({_upsert(column_map, 'changed')} RETURNING {low} AS low, {high} AS high) "
        "SELECT (SELECT count(*) FROM written), "
        "LEAST((SELECT min(low) FROM written), (SELECT min(old_low) FROM changed)), "
        "GREATEST((SELECT max(high) FROM written), (SELECT max(old_high) FROM changed))"
    )


# Rows of other kinds that name a lead, with their dates: they are counted by their lead's
# source, so a new lead or a changed source changes the periods of *their* dates too.
LEAD_REFERENCES = (
    ("funnel_deal", ("created_at", "closed_at"), False),
    ("funnel_activity", ("date",), False),
    ("funnel_contentdownload", ("date",), True),
)


def lead_references_bounds(column_map: ColumnMap) -> str | None:
    """Earliest and latest dates of the deals, activities and content naming a lead of the
    file (leads imports only; None otherwise). Every lead of the file, changed or not: a
    superset of the leads written, at the cost of one index-free semi-join per table."""
    if column_map.kind.table != "funnel_lead":
        return None
    keys = f"SELECT lead_id FROM {TYPED}"
    parts = []
    for table, columns, is_date in LEAD_REFERENCES:
        values = [f"({name})::timestamptz" if is_date else name for name in columns]
        low = values[0] if len(values) == 1 else f"LEAST({', '.join(values)})"
        high = values[0] if len(values) == 1 else f"GREATEST({', '.join(values)})"
        parts.append(f"SELECT {low} AS low, {high} AS high FROM {table} WHERE lead_id IN ({keys})")
    return f"SELECT min(low), max(high) FROM ({' UNION ALL '.join(parts)}) AS referencing"


def table_bounds(column_map: ColumnMap) -> str:
    """Earliest and latest dates in the whole table, in one scan (the date columns carry no
    index: each would cost every import more than this scan costs a first one)."""
    spec = column_map.kind
    lows, highs = [], []
    for name in spec.date_columns:
        column = spec.column(name)
        lows.append(_as_timestamptz(column, f"min({name})"))
        highs.append(_as_timestamptz(column, f"max({name})"))
    return f"SELECT LEAST({', '.join(lows)}), GREATEST({', '.join(highs)}) FROM {spec.table}"


def leads_won_without_customer_date() -> str:
    """One row: how many leads have a won deal with a close date but no customer date (what
    "stages from deals" would make customers; SPEC 3.1)."""
    return (
        "SELECT count(DISTINCT lead.lead_id) FROM funnel_deal AS deal JOIN funnel_lead AS lead"
        " ON lead.lead_id = deal.lead_id WHERE deal.status = 'won' AND deal.lead_id <> ''"
        " AND deal.closed_at IS NOT NULL AND lead.customer_at IS NULL"
    )


def deals_without_rate_sql(rates: str, deals: str) -> str:
    """Rows (currency, deals): deals in a currency other than the workspace's (`%(home)s`) that
    lack a rate for created_at's month, or for closed_at's when closed (months in `%(tz)s`)."""

    def lacks(instant: str) -> str:
        return (
            f"NOT EXISTS (SELECT 1 FROM {rates} r WHERE r.currency = d.currency AND (r.month IS"
            f" NULL OR r.month = date_trunc('month', {instant} AT TIME ZONE %(tz)s)::date))"
        )

    return (
        f"SELECT d.currency, count(*) FROM {deals} d"
        f" WHERE d.currency NOT IN ('', %(home)s) AND ({lacks('d.created_at')}"
        f" OR (d.closed_at IS NOT NULL AND d.status <> 'open' AND {lacks('d.closed_at')}))"
        f" GROUP BY d.currency ORDER BY d.currency"
    )
