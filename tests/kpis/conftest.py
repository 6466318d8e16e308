"""Hand-made funnel data for KPI tests, written straight into a workspace's tables."""

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from psycopg import sql

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.funnel.models import Activity, ContentDownload, Deal, Lead, Spend, Traffic
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.reports import kpi_report

_ids = itertools.count(1)


def at(text: str) -> datetime:
    """An aware datetime from ISO text; no offset means UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _dates(fields: dict) -> dict:
    return {k: at(v) if isinstance(v, str) and k.endswith("_at") else v for k, v in fields.items()}


def insert(model, **values) -> None:
    """One row through SQL naming only the given columns, so the tests do not depend on columns
    the KPI engine never reads; columns left out take their text default ''."""
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, model._meta.db_table)
    for column in table:
        if column.name not in values and column.name != "id" and not column.null_ok:
            values[column.name] = ""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(model._meta.db_table),
                sql.SQL(", ").join(map(sql.Identifier, values)),
                sql.SQL(", ").join(sql.Placeholder() * len(values)),
            ),
            list(values.values()),
        )


def lead(lead_id: str | None = None, *, created_at: str, source: str = "paid_social", **fields):
    insert(
        Lead,
        lead_id=lead_id or f"L{next(_ids)}",
        created_at=at(created_at),
        source=source,
        **_dates(fields),
    )


def deal(*, status: str, amount: str, created_at: str, closed_at: str | None = None, **fields):
    insert(
        Deal,
        deal_id=f"D{next(_ids)}",
        status=status,
        amount=Decimal(amount),
        created_at=at(created_at),
        closed_at=at(closed_at) if closed_at else None,
        **fields,
    )


def spend(month: str, source: str, amount: str):
    year, number = month.split("-")
    insert(Spend, month=date(int(year), int(number), 1), source=source, amount=Decimal(amount))


def traffic(day: str, source: str, sessions: int):
    insert(Traffic, date=date.fromisoformat(day), source=source, sessions=sessions)


def activity(*, type: str, date: str, owner: str = "ann", lead_id: str = ""):
    insert(
        Activity,
        activity_id=f"A{next(_ids)}",
        type=type,
        date=at(date),
        owner=owner,
        lead_id=lead_id,
    )


def content(day: str, lead_id: str, asset: str = "ebook"):
    insert(ContentDownload, date=date.fromisoformat(day), lead_id=lead_id, asset=asset)


def settings_update(**fields):
    row = workspace_settings_get()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()


def report(period: str, by: str | None = None) -> dict:
    """The rounded SPEC section 6 body for `period` in the current schema."""
    return kpi_report(period=kpi_period_parse(period), by=by)


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema_name):
        yield alpha


@pytest.fixture
def in_beta(beta):
    with schema_context(beta.schema_name):
        yield beta
