"""Property tests of the period parser: whatever a person types, it parses or says why.

Every parsed period supports what the pages and APIs do with one (the 12 months before it, 8
periods back, ten years of series, the next period) without an arithmetic overflow: before
years were bounded, `9999-W52` and `0001-01` answered 500 from five endpoints.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarketing.core.periods import (
    MAX_YEAR,
    MIN_YEAR,
    Grain,
    PeriodError,
    period_containing,
    period_parse,
)

ZONES = st.sampled_from([ZoneInfo("UTC"), ZoneInfo("Europe/Paris"), ZoneInfo("Pacific/Kiritimati")])
YEARS = st.integers(min_value=0, max_value=9999)
PERIOD_TEXTS = st.one_of(
    YEARS.map(lambda y: f"{y:04d}"),
    st.tuples(YEARS, st.integers(0, 5)).map(lambda t: f"{t[0]:04d}-Q{t[1]}"),
    st.tuples(YEARS, st.integers(0, 13)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
    st.tuples(YEARS, st.integers(0, 54)).map(lambda t: f"{t[0]:04d}-W{t[1]:02d}"),
    st.dates().map(date.isoformat),
    st.tuples(st.dates(), st.dates()).map(lambda t: f"[{t[0]}, {t[1]})"),
    st.text(max_size=30),
)


def _uses_of(period) -> None:
    """What the KPI pages, the planner, anomalies and series do with a parsed period."""
    period.previous()
    period.next()
    if period.grain is not Grain.CUSTOM:
        # Only standard periods are stepped through many times; a range of up to 300 years
        # is compared with the one before it, and charted by month (below).
        period.shifted(-12)
        period.shifted(120)
    for grain in (Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR):
        containing = period_containing(grain, period.first_day, period.time_zone)
        containing.shifted(-8)
        containing.shifted(130)
    assert period.start < period.end


@settings(max_examples=300, deadline=None)
@given(text=PERIOD_TEXTS, zone=ZONES)
def test_any_text_parses_to_a_usable_period_or_raises_period_error(text, zone):
    try:
        period = period_parse(text, zone)
    except PeriodError as error:
        assert str(error)
        return
    assert MIN_YEAR <= period.first_day.year <= MAX_YEAR
    assert period.end_day <= date(MAX_YEAR + 1, 1, 1)
    _uses_of(period)
    if period.grain is not Grain.CUSTOM:
        assert period_parse(period.label, zone) == period


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31)))
def test_a_single_date_is_that_one_day(day):
    period = period_parse(day.isoformat(), ZoneInfo("UTC"))
    assert (period.grain, period.first_day, period.end_day) == (
        Grain.CUSTOM,
        day,
        day + timedelta(days=1),
    )


@pytest.mark.parametrize(
    "text", ["9999-W52", "0001-01", "0001", "9999-12-30", "[0001-01-01, 0001-02-01)", "2200"]
)
def test_years_outside_the_sane_range_are_refused(text):
    with pytest.raises(PeriodError, match=r"outside|after the year"):
        period_parse(text, ZoneInfo("UTC"))
