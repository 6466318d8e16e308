"""Hand-made stored figures for the page tests: snapshots, an NPS survey and a closed pulse."""

from datetime import UTC, date, datetime

import pytest
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, period_containing, period_parse
from smarketing.kpis import services
from smarketing.kpis.models import KpiSnapshot
from smarketing.kpis.selectors import snapshots
from surveys.models import Answer, Response, Statement, Survey
from surveys.services.releasing import release_store
from tests.kpis.conftest import at, deal, lead

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)  # November is in progress; October is complete


@pytest.fixture
def frozen_now(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(snapshots.timezone, "now", lambda: NOW)
    monkeypatch.setattr(services.timezone, "now", lambda: NOW)
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def alpha_snapshots(alpha, frozen_now):
    """September: 1 lead. October: 2 leads (one MQL, SQL later), a won deal of 1,234.50."""
    with schema_context(alpha.schema_name):
        lead(created_at="2026-09-10", source="alpha_only_source")
        lead(created_at="2026-10-05", mql_at="2026-10-06", sql_at="2026-10-08")
        lead(created_at="2026-10-07")
        deal(status="won", amount="1234.50", created_at="2026-10-01", closed_at="2026-10-20")
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2026-09-01"), end=at("2026-09-02")
        )
        services.kpi_snapshot_refresh(job=job)


def stored_snapshot(label: str, **kpis) -> None:
    """A hand-written snapshot of a month (`2026-10`) or quarter (`2026-Q3`) holding only the
    given KPIs."""
    period = period_parse(label, UTC)
    KpiSnapshot.objects.create(
        grain=period.grain,
        label=label,
        period_start=period.start,
        period_end=period.end,
        kpis=kpis,
        computed_at=NOW,
        definitions_version=1,
    )


def nps_answers(scores: list[int], day: str, title: str = "Customer NPS") -> Survey:
    """Customer answers of an NPS survey, submitted and released into its results on `day`."""
    survey, _ = Survey.objects.get_or_create(
        kind="nps", title=title, defaults={"status": "open", "anonymity_threshold": 3}
    )
    answered = [
        Response.objects.create(survey=survey, score=score, submitted_on=date.fromisoformat(day))
        for score in scores
    ]
    release_store(
        survey=survey,
        responses=Response.objects.filter(pk__in=[r.pk for r in answered]),
        released_on=date.fromisoformat(day),
    )
    return survey


def closed_pulse(closed_on: str, answers: dict[str, list[list[int]]], threshold: int = 3):
    """A closed alignment wave whose teams answered the given values (one list per person)."""
    survey = Survey.objects.create(
        kind="alignment",
        title=f"Pulse {closed_on}",
        status="closed",
        anonymity_threshold=threshold,
        opened_at=at(closed_on),
        closed_at=at(closed_on),
    )
    count = len(next(iter(answers.values()))[0])
    statements = [
        Statement.objects.create(survey=survey, position=index, text=f"Statement {index + 1}")
        for index in range(count)
    ]
    for team, rows in answers.items():
        for values in rows:
            response = Response.objects.create(
                survey=survey, team=team, submitted_on=date.fromisoformat(closed_on[:10])
            )
            for statement, value in zip(statements, values, strict=True):
                Answer.objects.create(response=response, statement=statement, value=value)
    # A wave's answers join its results when it closes.
    release_store(
        survey=survey,
        responses=Response.objects.filter(survey=survey),
        released_on=date.fromisoformat(closed_on[:10]),
    )
    return survey


def quarter(label: str):
    return period_containing(Grain.QUARTER, period_parse(label, UTC).first_day, UTC)
