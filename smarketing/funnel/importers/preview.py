"""What an import would store, before it runs: the import page's preview.

The same steps as the import (inspect, choose the mapping, COPY into staging, the same SQL
expressions) in a transaction that is rolled back: nothing is written, and what the page shows
is exactly what the import will do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from smarketing.configuration.selectors import workspace_time_zone

from ..models import ImportJob
from . import sql
from .kinds import ColumnType
from .mapping_files import MappingFile
from .mappings import ColumnMap
from .pipeline import import_file_prepare, import_file_stage, import_session_prepare

PREVIEW_ROWS = 10
DISTINCT_LIMIT = 100
# The canonical columns whose file values are listed for mapping (SPEC's enums).
LISTED_TYPES = (ColumnType.ENUM, ColumnType.CURRENCY)


@dataclass
class ImportPreview:
    kind: str
    format: str
    header: list[str]
    # The file-level problems that stop the import (a missing column, a bad mapping…).
    problems: list[str] = field(default_factory=list)
    rows_read: int = 0
    encoding: str = ""
    delimiter: str = ""
    # Per canonical column: name, type, required, choices, the file column or constant.
    columns: list[dict[str, Any]] = field(default_factory=list)
    # The first rows: row number, {column: value as stored}, {column: problem}.
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Per listed canonical column: the file's values, their row counts, what they become.
    distinct_values: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)


class _NoProgress:
    def update(self, force: bool = False, **values: int) -> None:
        pass


def import_preview(
    *, job: ImportJob, kind: str, file_format: str, mapping: MappingFile | None, rows: int = 10
) -> ImportPreview:
    """Preview `job`'s file read as `kind` in `file_format` with `mapping` (nothing is saved)."""
    trial = ImportJob(
        pk=job.pk,
        kind=kind or job.kind,
        format=file_format,
        file=job.file,
        file_size=job.file_size,
        mapping=mapping.as_json() if mapping else None,
        save_mapping=False,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            preview = _preview(cursor, trial, rows)
        finally:
            # Problems, staging, everything the trial wrote: gone.
            transaction.set_rollback(True)
    return preview


def _preview(cursor, trial: ImportJob, limit: int) -> ImportPreview:
    prepared = import_file_prepare(trial)
    preview = ImportPreview(kind=trial.kind, format=trial.format, header=list(trial.header or []))
    if prepared is None:
        preview.problems = [problem.text for problem in trial.problems.order_by("row_number")]
        return preview
    shape, column_map = prepared
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [str(workspace_time_zone())])
    import_session_prepare(cursor, column_map)
    preview.rows_read, shape = import_file_stage(
        cursor, trial, trial.file.path, shape, _NoProgress()
    )
    preview.encoding, preview.delimiter = shape.encoding, shape.delimiter
    preview.ignored_columns = column_map.ignored_columns
    preview.columns = _columns(column_map)
    cursor.execute(sql.preview_rows(column_map, limit))
    names = column_map.kind.column_names
    for row in cursor.fetchall():
        values, errors = row[1::2], row[2::2]
        preview.rows.append(
            {
                "row": row[0],
                "values": dict(zip(names, values, strict=True)),
                "problems": {
                    name: error for name, error in zip(names, errors, strict=True) if error
                },
            }
        )
    for column in column_map.kind.columns:
        if column.type in LISTED_TYPES and column.name in column_map.sources:
            cursor.execute(sql.distinct_values(column_map, column.name, DISTINCT_LIMIT))
            preview.distinct_values[column.name] = [
                {"value": value, "rows": count, "becomes": sorted(becomes or [])}
                for value, count, becomes in cursor.fetchall()
            ]
    return preview


def _columns(column_map: ColumnMap) -> list[dict[str, Any]]:
    result = []
    for column in column_map.kind.columns:
        constant = column.name in column_map.constants
        mapped = column.name in column_map.expressions
        result.append(
            {
                "name": column.name,
                "type": str(column.type),
                "required": column.required,
                "choices": list(column.choices),
                "file_column": column_map.labels[column.name] if mapped and not constant else None,
                "constant": constant,
            }
        )
    return result
