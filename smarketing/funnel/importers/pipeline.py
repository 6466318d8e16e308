"""Run one import job on the database: stage with COPY, validate and upsert in set-based SQL.

Everything the import writes (rows, problems, rejected rows, the job's final status) commits in
one transaction, so a worker killed half-way leaves nothing behind and the redelivered task
starts over. Progress is written from a second, autocommitting connection so the page and the
API can watch it while that transaction is open.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import replace

import psycopg
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg import sql as psql

from smarketing.configuration.selectors import workspace_settings_get, workspace_time_zone

from ..models import (
    ColumnMapping,
    ImportJob,
    ImportProblem,
    ImportRejectedRow,
    ImportStatus,
    MappingOrigin,
    ProblemSeverity,
)
from . import sql
from .kinds import KINDS
from .mapping_files import (
    MappingFile,
    MappingFileError,
    header_signature,
    mapping_file_check_header,
    mapping_file_parse,
)
from .mappings import CANONICAL, SALESFORCE, ColumnMap, MappingError, format_detect, mapping_build
from .reading import (
    FileShape,
    NulBytes,
    UnreadableFile,
    file_inspect,
    text_records,
    utf8_chunks,
)

logger = logging.getLogger(__name__)

# PostgreSQL tables have at most 1,600 columns; the staging table holds one per file column.
MAX_FILE_COLUMNS = 1500
# Share of the progress bar each phase fills.
READ_SHARE, VALIDATE_SHARE = 60, 15
# Memory for the sorts and hashes of one import's statements (the duplicate check and the
# re-import's join of the file's rows with the table): below this, a million rows spill to disk.
IMPORT_WORK_MEM = "128MB"


def current_schema() -> str:
    return connection.schema_name  # type: ignore[attr-defined]


def _import_lock_key() -> str:
    return f"funnel_import:{current_schema()}"


def import_lock_take(cursor) -> None:
    """Wait for this workspace's import lock, held until the transaction ends.

    A running import holds it for its whole transaction, so it also says whether an import is
    running in the workspace right now (see `import_lock_try`).
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_import_lock_key()])


def import_lock_try(cursor) -> bool:
    """Take this workspace's import lock if no import holds it (until the transaction ends)."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_import_lock_key()])
    return bool(cursor.fetchone()[0])


def import_max_bytes() -> int:
    return int(getattr(settings, "FUNNEL_IMPORT_MAX_BYTES", 200 * 1024 * 1024))


class ProgressReporter:
    """Writes progress on its own autocommit connection, at most a few times a second.

    Never writes the job row's final state and never waits on a lock for long: the import's
    own transaction writes the final state at its very end.
    """

    def __init__(self, job_id: int, schema_name: str, interval: float = 0.3):
        self.job_id, self.interval, self.last = job_id, interval, 0.0
        self.values: dict[str, int] = {}
        params = connection.settings_dict
        try:
            self.connection: psycopg.Connection | None = psycopg.connect(
                dbname=params["NAME"],
                user=params.get("USER") or None,
                password=params.get("PASSWORD") or None,
                host=params.get("HOST") or None,
                port=params.get("PORT") or None,
                autocommit=True,
                options=f"-c search_path={schema_name} -c lock_timeout=1000",
            )
        except psycopg.Error:
            logger.warning("import progress will not be shown", exc_info=True)
            self.connection = None

    def update(self, force: bool = False, **values: int) -> None:
        self.values.update(values)
        now = time.monotonic()
        if self.connection is None or (not force and now - self.last < self.interval):
            return
        self.last = now
        assignments = psql.SQL(", ").join(
            psql.SQL("{} = {}").format(psql.Identifier(name), psql.Placeholder(name))
            for name in self.values
        )
        try:
            self.connection.execute(
                psql.SQL("UPDATE funnel_importjob SET {} WHERE id = %(id)s").format(assignments),
                {**self.values, "id": self.job_id},
            )
        except psycopg.Error:
            logger.warning("could not write import progress", exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _file_problem(job: ImportJob, message: str, *, row: int = 0, column: str = "") -> None:
    ImportProblem.objects.create(
        job=job, severity=ProblemSeverity.ERROR, row_number=row, column=column, message=message
    )


def _finish(job: ImportJob, status: str, **fields) -> None:
    for name, value in {"status": status, "finished_at": timezone.now(), **fields}.items():
        setattr(job, name, value)
    job.save()


def _copy_fast(cursor, path: str, shape: FileShape, progress: ProgressReporter, size: int) -> int:
    """Send the file to COPY as it is (converted to UTF-8); PostgreSQL parses the CSV."""
    rows = 0
    with cursor.copy(sql.copy_statement(len(shape.header), shape.delimiter)) as copy:
        for chunk, bytes_read in utf8_chunks(path, shape):
            copy.write(chunk)
            rows += chunk.count(b"\n")
            progress.update(rows_read=rows, percent=int(READ_SHARE * bytes_read / max(size, 1)))
    return cursor.rowcount


def _copy_tolerant(
    cursor, job: ImportJob, path: str, shape: FileShape, progress: ProgressReporter
) -> int:
    """Parse in Python: rows with a wrong number of cells become problems instead of aborting."""
    width = len(shape.header)
    rows = 0
    malformed: list[ImportProblem] = []
    malformed_rows: list[ImportRejectedRow] = []
    with cursor.copy(sql.copy_rows_statement(width)) as copy:
        for row_number, record in enumerate(text_records(path, shape), start=2):
            if any("\x00" in value for value in record):
                record = _without_nul(job, shape, row_number, record, malformed)
            if not record or (len(record) == 1 and not record[0].strip() and width > 1):
                continue  # a blank line
            if len(record) != width:
                column = shape.header[min(len(record), width - 1)] if width else ""
                malformed.append(
                    ImportProblem(
                        job=job,
                        severity=ProblemSeverity.ERROR,
                        row_number=row_number,
                        column=column or f"#{len(record)}",
                        message=f"the row has {len(record)} cells but the header has {width}",
                    )
                )
                malformed_rows.append(
                    ImportRejectedRow(
                        job=job,
                        row_number=row_number,
                        values={f"c{index}": value for index, value in enumerate(record)},
                    )
                )
                continue
            copy.write_row((row_number, *record))
            rows += 1
            if rows % 10_000 == 0:
                progress.update(rows_read=rows)
    ImportProblem.objects.bulk_create(malformed, batch_size=1000)
    ImportRejectedRow.objects.bulk_create(malformed_rows, batch_size=1000)
    return rows + len(malformed)


def _without_nul(
    job: ImportJob, shape: FileShape, row_number: int, record: list[str], problems: list
) -> list[str]:
    """The record without its NUL characters, with a warning per cell that had some."""
    cleaned = []
    for index, value in enumerate(record):
        if "\x00" in value:
            count = value.count("\x00")
            column = shape.header[index] if index < len(shape.header) else f"#{index + 1}"
            problems.append(
                ImportProblem(
                    job=job,
                    severity=ProblemSeverity.WARNING,
                    row_number=row_number,
                    column=column,
                    message=f"{count} NUL byte{'s' if count > 1 else ''} removed",
                )
            )
            value = value.replace("\x00", "")
        cleaned.append(value)
    return cleaned


def import_file_stage(
    cursor, job: ImportJob, path: str, shape: FileShape, progress
) -> tuple[int, FileShape]:
    """Fill the staging table: COPY the raw file, else convert it, else parse it in Python."""

    def attempt(copy, shape: FileShape) -> int:
        # Inside a savepoint: a failed COPY leaves nothing, not even an advanced identity.
        with transaction.atomic():
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.STAGING}")
            cursor.execute(sql.staging_create(len(shape.header)))
            return copy(shape)

    def fast(shape: FileShape) -> int:
        return _copy_fast(cursor, path, shape, progress, job.file_size)

    try:
        return attempt(fast, shape), shape
    except (UnicodeDecodeError, NulBytes, psycopg.Error, DatabaseError) as error:
        if isinstance(error, UnicodeDecodeError) or isinstance(
            error.__context__, UnicodeDecodeError
        ):
            # Valid UTF-8 at the start only: read it as Windows-1252, the usual culprit.
            shape = replace(shape, encoding="cp1252")
            try:
                return attempt(fast, shape), shape
            except (NulBytes, psycopg.Error, DatabaseError):
                pass
        logger.debug("import %s: COPY refused the file (%r), parsing it in Python", job.pk, error)
    return attempt(lambda shape: _copy_tolerant(cursor, job, path, shape, progress), shape), shape


def _given_mapping(job: ImportJob) -> MappingFile | None:
    if job.mapping is None:
        return None
    return mapping_file_parse(job.mapping, kind=job.kind)


def _saved_for_header(job: ImportJob, header: list[str]) -> ColumnMapping | None:
    """The mapping saved for files with this header (of the job's kind and format if given)."""
    saved = ColumnMapping.objects.filter(header_signature=header_signature(header))
    if job.kind:
        saved = saved.filter(kind=job.kind)
    if job.format:
        saved = saved.filter(format=job.format)
    return saved.order_by("-updated_at", "-pk").first()


def _saved_for_kind(kind: str, file_format: str) -> MappingFile | None:
    saved = ColumnMapping.objects.filter(kind=kind, format=file_format, header_signature="")
    row = saved.first()
    return column_mapping_document(row) if row else None


def column_mapping_document(row: ColumnMapping) -> MappingFile:
    """A saved mapping as the mapping file it was saved from."""
    return MappingFile(
        kind=row.kind,
        columns={name: value for name, value in row.columns.items() if value},
        values=row.values or {},
        constants=row.constants or {},
        date_order=row.date_order or None,
        decimal=row.decimal or None,
        empty=tuple(row.empty or ()),
    )


def _choose_kind_and_format(job: ImportJob, header: list[str]) -> str | None:
    """Fill in the job's kind and format; a problem message when they cannot be known.

    A mapping given with the file is laid over the canonical format unless a format was
    chosen; else a mapping saved for this header brings its own; else the header is
    recognised as a format (HubSpot, Salesforce) or as canonical columns.
    """
    if job.kind and job.format:
        return None
    if job.mapping is not None:
        job.kind = job.kind or str(job.mapping.get("kind") or "")
        job.format = job.format or CANONICAL
        return None if job.kind else "the mapping does not say which kind of rows the file holds"
    saved = _saved_for_header(job, header)
    if saved is not None:
        job.kind, job.format = saved.kind, saved.format
        return None
    detected = format_detect(header)
    if detected is not None and (not job.kind or detected[0] == job.kind):
        job.kind, job.format = detected
        return None
    if job.kind:
        job.format = CANONICAL
        return None
    return "the columns were not recognised; choose the kind and the format"


def import_file_prepare(job: ImportJob) -> tuple[FileShape, ColumnMap] | None:
    """Inspect the file, choose its mapping and map its header; on failure record the problem
    and reject. Nothing of the rows has been read yet."""
    try:
        shape = file_inspect(job.file.path, max_bytes=import_max_bytes())
    except (UnreadableFile, OSError) as error:
        _file_problem(job, str(error))
        return None
    if len(shape.header) > MAX_FILE_COLUMNS:
        _file_problem(
            job,
            f"the file has {len(shape.header):,} columns; at most {MAX_FILE_COLUMNS:,} are "
            "accepted (remove the columns you do not import)",
        )
        return None
    job.encoding, job.delimiter, job.header = shape.encoding, shape.delimiter, shape.header
    problem = _choose_kind_and_format(job, shape.header)
    if problem:
        _file_problem(job, problem, row=1, column=shape.header[0])
        return None
    try:
        mapping, strict = _given_mapping(job), True
        if mapping is not None:
            mapping_file_check_header(mapping, shape.header)
            job.mapping_origin = job.mapping_origin or MappingOrigin.GIVEN
            if job.save_mapping:
                column_mapping_store(mapping=mapping, file_format=job.format, header=shape.header)
        elif (saved := _saved_for_header(job, shape.header)) is not None:
            mapping = column_mapping_document(saved)
            mapping_file_check_header(mapping, shape.header)
            job.mapping, job.mapping_origin = mapping.as_json(), MappingOrigin.HEADER
        elif (mapping := _saved_for_kind(job.kind, job.format)) is not None:
            job.mapping, job.mapping_origin, strict = mapping.as_json(), MappingOrigin.KIND, False
        column_map = mapping_build(
            kind=job.kind,
            file_format=job.format,
            header=shape.header,
            mapping=mapping,
            strict_columns=strict,
        )
    except MappingFileError as error:
        _file_problem(job, f"mapping: {error}")
        return None
    except MappingError as error:
        _file_problem(job, str(error))
        return None
    job.ignored_columns = column_map.ignored_columns
    for name in column_map.missing_required:
        _file_problem(job, "this required column is missing", row=1, column=column_map.labels[name])
    if column_map.missing_required:
        return None
    return shape, column_map


def column_mapping_store(
    *, mapping: MappingFile, file_format: str, header: list[str] | None
) -> ColumnMapping:
    """Save `mapping` for files with `header` (or, without, for every file of its kind and
    format); the latest save wins."""
    signature = header_signature(header) if header else ""
    document = mapping.as_json()
    row, _ = ColumnMapping.objects.update_or_create(
        kind=mapping.kind,
        format=file_format,
        header_signature=signature,
        defaults={
            "header": list(header or []),
            "columns": document.get("columns", {}),
            "values": document.get("values", {}),
            "constants": document.get("constants", {}),
            "date_order": document.get("date_order", ""),
            "decimal": document.get("decimal", ""),
            "empty": document.get("empty", []),
        },
    )
    return row


def import_job_execute(job: ImportJob) -> ImportJob:
    """Run `job` in the current workspace schema; idempotent (a finished job is left alone)."""
    if job.is_finished:
        return job
    started = ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    if not started:
        # Finished (or given up as stale) since it was read: a late redelivery does nothing.
        job.refresh_from_db()
        return job
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    progress = ProgressReporter(job.pk, current_schema())
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # One import at a time per workspace: concurrent upserts could deadlock.
            import_lock_take(cursor)
            current = ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True)
            if current.first() != ImportStatus.RUNNING:
                return job  # another delivery of this task finished it meanwhile
            job.problems.all().delete()
            job.rejected_rows.all().delete()
            prepared = import_file_prepare(job)
            if prepared is None:
                _finish(job, ImportStatus.REJECTED, error_count=job.problems.count(), percent=100)
                return job
            _run_sql(cursor, job, *prepared, progress)
    finally:
        progress.close()
    if job.status == ImportStatus.SUCCEEDED and job.rows_stored:
        from ..services import import_stored_announce

        import_stored_announce(job=job)
    return job


@contextmanager
def _timed(job: ImportJob, step: str):
    started = time.monotonic()
    yield
    logger.debug("import %s: %s took %.2f s", job.pk, step, time.monotonic() - started)


def _count(job: ImportJob, severity: str) -> int:
    return job.problems.filter(severity=severity).count()


def _store(cursor, job: ImportJob, column_map: ColumnMap) -> tuple | None:
    """The optimistic upsert in a savepoint: (written, low, high) or None if any row is invalid
    or a key repeats. Each cell is typed once, into the typed relation the rest reads."""
    try:
        with transaction.atomic():
            with _timed(job, "typing"):
                for statement in sql.typed_create(column_map):
                    cursor.execute(statement)
            cursor.execute(sql.target_empty(column_map))
            was_empty = cursor.fetchone()[0]
            # Into an empty table, the insert itself refuses a key it meets twice (the key's
            # unique index). Otherwise a repeated key whose rows equal the stored one would
            # pass unseen.
            if not was_empty:
                with _timed(job, "duplicate keys"):
                    cursor.execute(sql.duplicates_exist(column_map))
                    if cursor.fetchone()[0]:
                        return None
            old_low = old_high = None  # dates of other rows naming the leads written
            with _timed(job, "upsert"):
                if was_empty:
                    # Every row is new: the table's own bounds are this import's, read in one
                    # scan afterwards instead of returning a million rows.
                    cursor.execute(sql.insert_into_empty(column_map))
                    written = cursor.rowcount
                    cursor.execute(sql.table_bounds(column_map))
                    new_low, new_high = cursor.fetchone()
                else:
                    # Bounds over the new dates and the dates the written rows had before.
                    cursor.execute(sql.upsert_changed(column_map))
                    written, new_low, new_high = cursor.fetchone()
            references = sql.lead_references_bounds(column_map)
            if written and references:
                with _timed(job, "dates of rows naming the leads"):
                    cursor.execute(references)
                    old_low, old_high = cursor.fetchone()
    except OperationalError:
        raise
    except DatabaseError as error:
        # Expected for any invalid cell: the detailed validation says which. Not logged above
        # debug, so the command line shows the report only.
        logger.debug("import %s: invalid rows (%r), validating in detail", job.pk, error)
        return None
    lows = [value for value in (old_low, new_low) if value is not None]
    highs = [value for value in (old_high, new_high) if value is not None]
    return written, min(lows) if lows else None, max(highs) if highs else None


def _validate(cursor, job: ImportJob, column_map: ColumnMap) -> None:
    """List every problem of the staged rows, and keep the rows with an error for download."""
    with _timed(job, "detailed validation"):
        statement = sql.problems_insert(job.pk, column_map)
        if statement:
            cursor.execute(statement)
        cursor.execute(sql.duplicates_insert(job.pk, column_map))
        cursor.execute(sql.rejected_rows_insert(job.pk))


def _unicode_collation(cursor) -> str | None:
    cursor.execute(sql.UNICODE_COLLATION_QUERY, [list(sql.UNICODE_COLLATIONS)])
    return sql.unicode_collation([row[0] for row in cursor.fetchall()])


def _value_map_load(cursor, column_map: ColumnMap) -> None:
    """The mapping's value tables as a temporary table the statements join."""
    rows = sql.value_map_rows(column_map)
    if not rows:
        return
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.VALUE_MAP}")
    cursor.execute(sql.value_map_create())
    with cursor.copy(f"COPY {sql.VALUE_MAP} (column_name, file_value, value) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def import_session_prepare(cursor, column_map: ColumnMap) -> None:
    """What the statements of an import need in the transaction: functions, collation, the
    mapping's value tables. The caller sets the workspace's time zone."""
    for statement in sql.FUNCTIONS:
        cursor.execute(statement)
    column_map.collation = _unicode_collation(cursor)
    _value_map_load(cursor, column_map)
    for statement in sql.reason_map_create():
        cursor.execute(statement)


def _settings_set(cursor, **values: str) -> dict[str, str]:
    """Set these settings until the transaction ends; answers what they were."""
    names = list(values)
    cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(names))}", names)
    previous = dict(zip(names, cursor.fetchone(), strict=True))
    for name, value in values.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    return previous


def _run_sql(cursor, job: ImportJob, shape: FileShape, column_map: ColumnMap, progress) -> None:
    session = _settings_set(cursor, TimeZone=str(workspace_time_zone()), work_mem=IMPORT_WORK_MEM)
    import_session_prepare(cursor, column_map)
    with _timed(job, "staging"):
        rows_read, shape = import_file_stage(cursor, job, job.file.path, shape, progress)
    job.encoding, job.rows_read = shape.encoding, rows_read
    progress.update(force=True, rows_read=rows_read, percent=READ_SHARE)
    # Rows the tolerant reader could not split into the header's cells are already errors.
    malformed = _count(job, ProblemSeverity.ERROR)
    stored = None if malformed else _store(cursor, job, column_map)
    if stored is None:
        _validate(cursor, job, column_map)
        errors = _count(job, ProblemSeverity.ERROR)
        job.error_count, job.warning_count = errors, _count(job, ProblemSeverity.WARNING)
        job.rows_rejected = (
            job.problems.filter(severity=ProblemSeverity.ERROR, row_number__gte=2)
            .values("row_number")
            .distinct()
            .count()
        )
        progress.update(force=True, percent=READ_SHARE + VALIDATE_SHARE, error_count=errors)
        if errors == 0:
            raise RuntimeError(f"import {job.pk}: the upsert failed on rows found valid")
        if not job.skip_invalid:
            _settings_set(cursor, **session)
            _finish(job, ImportStatus.REJECTED, percent=100)
            return
        cursor.execute(sql.rejected_rows_delete(job.pk))
        stored = _store(cursor, job, column_map)
        if stored is None:
            raise RuntimeError(f"import {job.pk}: the upsert failed on the valid rows")
    else:
        statement = sql.warnings_insert(job.pk, column_map)
        if statement:
            with _timed(job, "warnings"):
                cursor.execute(statement)
        job.warning_count = _count(job, ProblemSeverity.WARNING)
    written, low, high = stored
    if job.format == SALESFORCE and job.kind in ("leads", "deals"):
        _salesforce_link_deals(cursor)
    if job.kind in ("leads", "deals"):
        with _timed(job, "report notes"):
            _report_notes(cursor, job)
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.TYPED}")
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.STAGING}")
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.VALUE_MAP}")
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{sql.REASON_MAP}")
    _settings_set(cursor, **session)
    _finish(
        job,
        ImportStatus.SUCCEEDED,
        percent=100,
        rows_stored=written,
        rows_unchanged=rows_read - job.rows_rejected - written,
        affected_start=low,
        affected_end=high,
    )


def _report_notes(cursor, job: ImportJob) -> None:
    """File-level warnings about the data as a whole after leads or deals are stored: what the
    KPIs will not read as the user may expect, and the setting that changes it."""
    notes = []
    if not workspace_settings_get().stages_from_deals:
        cursor.execute(sql.leads_won_without_customer_date())
        leads = cursor.fetchone()[0]
        if leads:
            notes.append(
                f"{leads} lead(s) have a won deal but no customer date, so they count as no"
                " customer: turn on “stages from deals” (settings page, the settings API, or"
                " `workspace_settings SLUG --set stages_from_deals=on`) to take their first won"
                " deal's close as their customer date"
            )
    if job.kind == "deals":
        from ..selectors import deals_without_exchange_rate  # selectors import the importers

        for currency, deals in deals_without_exchange_rate().items():
            notes.append(
                f"{deals} deal(s) in {currency} have no exchange rate for their month: stored,"
                " and left out of every money KPI (revenue, deal size, pipeline) until an admin"
                f" adds one (`exchange_rates SLUG --set {currency}=RATE [--month YYYY-MM]`)"
            )
    if notes:
        ImportProblem.objects.bulk_create(
            ImportProblem(job=job, severity=ProblemSeverity.WARNING, row_number=0, message=note)
            for note in notes
        )
        job.warning_count = _count(job, ProblemSeverity.WARNING)


def _salesforce_link_deals(cursor) -> None:
    """A converted Salesforce lead names its opportunity: attribute that deal to the lead."""
    cursor.execute(
        "UPDATE funnel_deal AS deal SET lead_id = lead.lead_id FROM funnel_lead AS lead "
        "WHERE lead.converted_deal_id <> '' AND lead.converted_deal_id = deal.deal_id "
        "AND deal.lead_id = ''"
    )


__all__ = ["CANONICAL", "KINDS", "import_job_execute", "import_max_bytes"]
