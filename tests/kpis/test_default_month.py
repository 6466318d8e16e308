"""Which month pages show when none is asked for: the latest complete month with data."""

from datetime import UTC, date, datetime

import pytest

from smarketing.core.periods import Grain, period_containing
from smarketing.kpis.models import KpiSnapshot
from smarketing.kpis.selectors.snapshots import kpi_month_default

from .conftest import settings_update

pytestmark = pytest.mark.django_db


def month_snapshot(label: str, **kpis) -> None:
    year, month = map(int, label.split("-"))
    period = period_containing(Grain.MONTH, date(year, month, 1), UTC)
    KpiSnapshot.objects.create(
        grain="month", label=label, period_start=period.start, period_end=period.end,
        kpis=kpis, computed_at=datetime(2026, 1, 1, tzinfo=UTC), definitions_version=1,
    )  # fmt: skip


def default(now: datetime) -> tuple[str, str, bool]:
    chosen = kpi_month_default(now=now)
    return chosen.month.label, chosen.current.label, chosen.has_data


def test_the_month_in_progress_is_never_the_default(in_alpha):
    month_snapshot("2026-10", leads=5)
    month_snapshot("2026-11", leads=3)  # November is not over
    assert default(datetime(2026, 11, 20, tzinfo=UTC)) == ("2026-10", "2026-11", True)


def test_empty_recent_months_are_skipped_for_the_latest_month_with_data(in_alpha):
    month_snapshot("2026-07", leads=0, spend=120.0)  # spend alone is data
    month_snapshot("2026-08", leads=0, spend=0.0, sessions=0)
    month_snapshot("2026-09", leads=0, revenue=0.0)
    assert default(datetime(2026, 11, 2, tzinfo=UTC)) == ("2026-07", "2026-11", True)


def test_without_any_data_the_default_is_last_month(in_alpha):
    month_snapshot("2026-10", leads=0)
    assert default(datetime(2026, 11, 2, tzinfo=UTC)) == ("2026-10", "2026-11", False)


def test_the_month_in_progress_is_the_workspace_time_zones(in_alpha):
    settings_update(time_zone="America/New_York")
    # 1 November 03:00 UTC is still 31 October in New York: October is in progress there.
    assert default(datetime(2026, 11, 1, 3, tzinfo=UTC))[1:] == ("2026-10", False)
