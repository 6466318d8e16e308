"""SPEC section 3 as data: the columns of each import kind, their types and the upsert key.

Tables and enum choices come from the models; tests/funnel/test_kinds.py checks that every
column's type, nullability and the upsert key match the model too.
"""

from dataclasses import dataclass
from enum import StrEnum

from ..models import Activity, ActivityType, ContentDownload, Deal, DealStatus, Lead, Spend, Traffic


class ColumnType(StrEnum):
    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    MONTH = "month"
    MONEY = "money"
    INTEGER = "integer"
    ENUM = "enum"
    # A channel name (SPEC 3.1): trimmed, lower-cased, spaces and punctuation as `_`.
    CHANNEL = "channel"
    # An ISO 4217 code; empty means the workspace's currency.
    CURRENCY = "currency"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    # A reason column: the kind of the workspace's reason list its values are mapped onto.
    reasons: str = ""


@dataclass(frozen=True)
class KindSpec:
    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Stage date columns in funnel order: a later one earlier than a previous one is a warning.
    ordered_dates: tuple[str, ...] = ()

    def has_column(self, name: str) -> bool:
        return any(column.name == name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def date_columns(self) -> tuple[str, ...]:
        return tuple(
            column.name
            for column in self.columns
            if column.type in (ColumnType.DATETIME, ColumnType.DATE, ColumnType.MONTH)
        )


T, DT, D, M = ColumnType.TEXT, ColumnType.DATETIME, ColumnType.DATE, ColumnType.MONTH
CH = ColumnType.CHANNEL

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "leads",
            Lead._meta.db_table,
            (
                Column("lead_id", required=True),
                Column("created_at", DT, required=True),
                Column("source", CH, required=True),
                Column("campaign"),
                Column("persona"),
                Column("company_size"),
                Column("mql_at", DT),
                Column("sql_at", DT),
                Column("opportunity_at", DT),
                Column("customer_at", DT),
                Column("rejected_at", DT),
                Column("rejection_reason", reasons="rejection"),
                Column("first_touch_at", DT),
                Column("owner"),
            ),
            key=("lead_id",),
            ordered_dates=("created_at", "mql_at", "sql_at", "opportunity_at", "customer_at"),
        ),
        KindSpec(
            "deals",
            Deal._meta.db_table,
            (
                Column("deal_id", required=True),
                Column("created_at", DT, required=True),
                Column("status", ColumnType.ENUM, required=True, choices=tuple(DealStatus.values)),
                Column("amount", ColumnType.MONEY, required=True),
                Column("lead_id"),
                Column("closed_at", DT),
                Column("lost_reason", reasons="loss"),
                Column("owner"),
                Column("currency", ColumnType.CURRENCY),
            ),
            key=("deal_id",),
        ),
        KindSpec(
            "spend",
            Spend._meta.db_table,
            (
                Column("month", M, required=True),
                Column("source", CH, required=True),
                Column("amount", ColumnType.MONEY, required=True),
            ),
            key=("month", "source"),
        ),
        KindSpec(
            "traffic",
            Traffic._meta.db_table,
            (
                Column("date", D, required=True),
                Column("source", CH, required=True),
                Column("sessions", ColumnType.INTEGER, required=True),
            ),
            key=("date", "source"),
        ),
        KindSpec(
            "activities",
            Activity._meta.db_table,
            (
                Column("activity_id", required=True),
                Column("date", DT, required=True),
                Column("owner", required=True),
                Column("type", ColumnType.ENUM, required=True, choices=tuple(ActivityType.values)),
                Column("lead_id"),
            ),
            key=("activity_id",),
        ),
        KindSpec(
            "content",
            ContentDownload._meta.db_table,
            (
                Column("date", D, required=True),
                Column("lead_id", required=True),
                Column("asset", required=True),
            ),
            key=("date", "lead_id", "asset"),
        ),
    )
}
