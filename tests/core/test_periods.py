from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from smarketing.core.periods import (
    Grain,
    PeriodError,
    add_months,
    period_containing,
    period_parse,
    periods_overlapping,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "grain", "first_day", "end_day", "label"),
    [
        ("2025", Grain.YEAR, date(2025, 1, 1), date(2026, 1, 1), "2025"),
        ("2025-Q1", Grain.QUARTER, date(2025, 1, 1), date(2025, 4, 1), "2025-Q1"),
        ("2025-q4", Grain.QUARTER, date(2025, 10, 1), date(2026, 1, 1), "2025-Q4"),
        ("2025-03", Grain.MONTH, date(2025, 3, 1), date(2025, 4, 1), "2025-03"),
        ("2024-02", Grain.MONTH, date(2024, 2, 1), date(2024, 3, 1), "2024-02"),
        ("2025-12", Grain.MONTH, date(2025, 12, 1), date(2026, 1, 1), "2025-12"),
        # ISO week 10 of 2025 starts on Monday 3 March.
        ("2025-W10", Grain.WEEK, date(2025, 3, 3), date(2025, 3, 10), "2025-W10"),
        # ISO week 1 of 2025 starts in 2024; week 53 of 2020 ends in 2021.
        ("2025-W01", Grain.WEEK, date(2024, 12, 30), date(2025, 1, 6), "2025-W01"),
        ("2020-W53", Grain.WEEK, date(2020, 12, 28), date(2021, 1, 4), "2020-W53"),
        (
            "[2025-01-15, 2025-02-01)",
            Grain.CUSTOM,
            date(2025, 1, 15),
            date(2025, 2, 1),
            "[2025-01-15, 2025-02-01)",
        ),
        ("2025-01-15..2025-02-01", Grain.CUSTOM, date(2025, 1, 15), date(2025, 2, 1), None),
        (" 2025-01-15/2025-01-16 ", Grain.CUSTOM, date(2025, 1, 15), date(2025, 1, 16), None),
    ],
)
def test_period_parse(text, grain, first_day, end_day, label):
    period = period_parse(text, UTC)
    assert (period.grain, period.first_day, period.end_day) == (grain, first_day, end_day)
    if label:
        assert period.label == label


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-Q5",
        "2025-Q0",
        "2025-13",
        "2025-00",
        "2025-W54",
        "2025-W53",  # 2025 has 52 ISO weeks
        "2025-W00",
        "25-03",
        "2025-3",
        "[2025-02-01, 2025-02-01)",  # empty
        "[2025-03-01, 2025-02-01)",  # backwards
        "[2025-02-30, 2025-03-01)",
        "yesterday",
    ],
)
def test_period_parse_rejects_with_a_readable_message(text):
    with pytest.raises(PeriodError, match=r"2025-Q1|must be after"):
        period_parse(text, UTC)


def test_boundaries_are_local_midnights():
    period = period_parse("2025-Q1", PARIS)
    assert period.start == datetime(2024, 12, 31, 23, tzinfo=UTC)
    assert period.end == datetime(2025, 3, 31, 22, tzinfo=UTC)  # summer time from 30 March
    assert period.start.isoformat() == "2025-01-01T00:00:00+01:00"


@pytest.mark.parametrize(
    ("grain", "day", "previous_label", "next_label"),
    [
        (Grain.QUARTER, date(2025, 1, 20), "2024-Q4", "2025-Q2"),
        (Grain.MONTH, date(2025, 1, 31), "2024-12", "2025-02"),
        (Grain.WEEK, date(2025, 1, 1), "2024-W52", "2025-W02"),
        (Grain.YEAR, date(2025, 6, 1), "2024", "2026"),
    ],
)
def test_previous_and_next(grain, day, previous_label, next_label):
    period = period_containing(grain, day, UTC)
    assert period.previous().label == previous_label
    assert period.next().label == next_label


def test_custom_previous_has_the_same_length():
    period = period_parse("[2025-01-10, 2025-01-20)", UTC)
    assert (period.previous().first_day, period.previous().end_day) == (
        date(2024, 12, 31),
        date(2025, 1, 10),
    )


def test_periods_overlapping_an_instant_range():
    start = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 February in Paris
    end = datetime(2025, 3, 1, tzinfo=UTC)  # 01:00 on 1 March in Paris
    labels = [p.label for p in periods_overlapping(Grain.MONTH, start, end, PARIS)]
    assert labels == ["2025-02", "2025-03"]
    labels = [p.label for p in periods_overlapping(Grain.MONTH, start, end, UTC)]
    assert labels == ["2025-01", "2025-02"]
    assert list(periods_overlapping(Grain.MONTH, end, start, UTC)) == []


@pytest.mark.parametrize(
    ("text", "steps", "label"),
    [
        ("2025-03", -2, "2025-01"),
        ("2025-03", -3, "2024-12"),
        ("2025-03", 0, "2025-03"),
        ("2025-Q1", -1, "2024-Q4"),
        ("2025-Q4", 5, "2027-Q1"),
        ("2025-W01", -1, "2024-W52"),
        ("2020-W52", 1, "2020-W53"),
        ("2025", -3, "2022"),
    ],
)
def test_shifted_steps_whole_periods_of_the_same_grain(text, steps, label):
    assert period_parse(text, PARIS).shifted(steps).label == label


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 1), -3, date(2024, 12, 1)),
        (date(2025, 12, 15), 13, date(2027, 1, 15)),
        (datetime(2025, 5, 31, 9, 30, tzinfo=UTC), 4, datetime(2025, 9, 30, 9, 30, tzinfo=UTC)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_the_month(day, months, expected):
    assert add_months(day, months) == expected
