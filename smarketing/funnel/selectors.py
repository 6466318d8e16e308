"""Reads of the funnel app: import history, problems, rejected rows, exports, channels."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from psycopg import sql

from smarketing.configuration.models import ExchangeRate
from smarketing.configuration.selectors import (
    channel_owner,
    channel_ownership_overrides,
    workspace_settings_get,
)
from smarketing.core.csv_export import csv_lines

from .importers.kinds import KINDS, ColumnType
from .importers.mapping_files import MappingFile
from .importers.preview import PREVIEW_ROWS, ImportPreview, import_preview
from .importers.sql import deals_without_rate_sql
from .models import ColumnMapping, Deal, ImportJob, ImportProblem, Lead, Spend, Traffic


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_job_get(*, job_id: int) -> ImportJob | None:
    return import_job_list().filter(pk=job_id).first()


def import_preview_get(
    *,
    job: ImportJob,
    kind: str = "",
    file_format: str = "",
    mapping: MappingFile | None = None,
    rows: int = PREVIEW_ROWS,
) -> ImportPreview:
    """The first rows of `job`'s file as they would be stored with these choices, and the
    file's values of each enum column (nothing is written)."""
    return import_preview(job=job, kind=kind, file_format=file_format, mapping=mapping, rows=rows)


def column_mapping_list() -> QuerySet[ColumnMapping]:
    return ColumnMapping.objects.order_by("kind", "format", "-updated_at")


def import_problem_iter(*, job: ImportJob, limit: int | None = None) -> Iterator[ImportProblem]:
    """Errors first, then warnings, each by row."""
    problems = job.problems.order_by("severity", "row_number", "pk")
    if limit is not None:
        problems = problems[:limit]
    return problems.iterator(chunk_size=2000)


def import_rejected_rows_csv(*, job: ImportJob) -> Iterator[str]:
    """The rejected rows as the file had them, with a row number and the reasons, as CSV."""

    def rows() -> Iterator[list]:
        yield ["row", *job.header, "problems"]
        reasons: dict[int, list[str]] = {}
        for problem in job.problems.filter(severity="error").order_by("row_number", "pk"):
            reasons.setdefault(problem.row_number, []).append(
                f"{problem.column}: {problem.message}"
            )
        for rejected in job.rejected_rows.order_by("row_number").iterator(chunk_size=2000):
            values = rejected.values
            width = max(len(job.header), len(values))
            yield [
                rejected.row_number,
                *(values.get(f"c{index}") for index in range(width)),
                "; ".join(reasons.get(rejected.row_number, [])),
            ]

    return csv_lines(rows())


def funnel_rows_csv(*, kind: str) -> Iterator[str]:
    """Every row of one kind in the canonical format (re-importable), streamed."""
    spec = KINDS[kind]

    def formatted(column_type: ColumnType, value: object) -> object:
        if value is None:
            return ""
        if column_type == ColumnType.MONTH:
            return value.strftime("%Y-%m")  # type: ignore[attr-defined]
        if column_type in (ColumnType.DATETIME, ColumnType.DATE):
            return value.isoformat()  # type: ignore[attr-defined]
        if column_type == ColumnType.MONEY:
            return format(value.normalize(), "f")  # type: ignore[attr-defined]
        return value

    def rows() -> Iterator[list]:
        yield list(spec.column_names)
        types = [column.type for column in spec.columns]
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, spec.column_names)),
                    sql.Identifier(spec.table),
                    sql.SQL(", ").join(map(sql.Identifier, spec.key)),
                )
            )
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    yield [formatted(t, v) for t, v in zip(types, row, strict=True)]

    return csv_lines(rows())


@dataclass(frozen=True)
class Channel:
    source: str
    owner: str
    default_owner: str
    # False for an override of a channel no lead, spend or traffic row names yet.
    seen_in_data: bool

    @property
    def is_override(self) -> bool:
        return self.owner != self.default_owner


def channel_list() -> list[Channel]:
    """Every channel seen in leads, spend or traffic, and every override, with its owner."""
    # UNION (not UNION ALL) leaves PostgreSQL one distinct list of the three tables' sources.
    seen = set(
        Lead.objects.values_list("source", flat=True)
        .union(Spend.objects.values_list("source", flat=True))
        .union(Traffic.objects.values_list("source", flat=True))
    )
    overrides = channel_ownership_overrides()
    return [
        Channel(
            source=source,
            owner=channel_owner(source, overrides),
            default_owner=channel_owner(source, {}),
            seen_in_data=source in seen,
        )
        for source in sorted(seen | set(overrides))
    ]


def deals_without_exchange_rate() -> dict[str, int]:
    """Currency → how many deals in it have no exchange rate for a month they need (closed_at's
    for a closed deal, created_at's for every deal): SPEC 3.1, those are left out of money KPIs
    until an admin adds the rate. One grouped statement; deals in the workspace's currency or
    without one are never counted."""
    settings_row = workspace_settings_get()
    statement = deals_without_rate_sql(ExchangeRate._meta.db_table, Deal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement, {"tz": settings_row.time_zone, "home": settings_row.currency})
        return dict(cursor.fetchall())
