"""Periods of SPEC section 4: `2025`, `2025-Q1`, `2025-03`, `2025-W10` or an explicit `[from, to)`.

A period is a half-open range `[start, end)` of timezone-aware datetimes whose boundaries are
midnight in the workspace's time zone. Pure module: no Django imports.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

Day = TypeVar("Day", date, datetime)


class Grain(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    CUSTOM = "custom"


# The grains KPI snapshots are stored for (SPEC: "every affected week, month and quarter"); SLAs
# are judged per these too.
SNAPSHOT_GRAINS = (Grain.WEEK, Grain.MONTH, Grain.QUARTER)
# Snapshots are also stored for years, so that pages read a year from its snapshot too (one
# more period per refresh).
STORED_GRAINS = (*SNAPSHOT_GRAINS, Grain.YEAR)


class PeriodError(ValueError):
    """A period text that does not parse; the message says what is accepted."""


# Periods a person can ask for. Everything done with a period (the trailing 12 months of the
# planner, 8 periods back for anomalies, ten years of series, the next period) stays far inside
# the calendar Python and PostgreSQL can represent, so no arithmetic on a parsed period overflows.
MIN_YEAR, MAX_YEAR = 1900, 2199


@dataclass(frozen=True)
class Period:
    grain: Grain
    first_day: date  # local date of `start`
    end_day: date  # local date of `end` (exclusive)
    time_zone: tzinfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.time_zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.end_day, self.time_zone)

    @property
    def label(self) -> str:
        day = self.first_day
        if self.grain is Grain.YEAR:
            return f"{day.year}"
        if self.grain is Grain.QUARTER:
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        if self.grain is Grain.MONTH:
            return f"{day.year}-{day.month:02d}"
        if self.grain is Grain.WEEK:
            iso = day.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return f"[{self.first_day.isoformat()}, {self.end_day.isoformat()})"

    @property
    def months(self) -> int:
        """Whole calendar months covered (a week or a short range counts as its fraction)."""
        if self.grain is Grain.YEAR:
            return 12
        if self.grain is Grain.QUARTER:
            return 3
        if self.grain is Grain.MONTH:
            return 1
        return 0

    def previous(self) -> Period:
        """The period of the same grain just before this one (custom: same number of days)."""
        if self.grain is Grain.CUSTOM:
            length = self.end_day - self.first_day
            return Period(self.grain, self.first_day - length, self.first_day, self.time_zone)
        return period_containing(self.grain, self.first_day - timedelta(days=1), self.time_zone)

    def next(self) -> Period:
        if self.grain is Grain.CUSTOM:
            length = self.end_day - self.first_day
            return Period(self.grain, self.end_day, self.end_day + length, self.time_zone)
        return period_containing(self.grain, self.end_day, self.time_zone)

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of the same grain later (earlier when negative)."""
        period = self
        for _ in range(abs(steps)):
            period = period.next() if steps > 0 else period.previous()
        return period


def local_midnight(day: date, time_zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=time_zone)


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{2})$")
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
# `[2025-01-01, 2025-04-01)`, `2025-01-01..2025-04-01` or `2025-01-01/2025-04-01`.
_RANGE = re.compile(
    r"^\[?\s*(\d{4}-\d{2}-\d{2})\s*(?:,|\.\.|/)\s*(\d{4}-\d{2}-\d{2})\s*\)?$",
)

ACCEPTED = "2025, 2025-Q1, 2025-03, 2025-W10 or [2025-01-01, 2025-04-01)"


def _year_checked(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"the year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def period_parse(text: str, time_zone: tzinfo) -> Period:
    """Parse a period text of SPEC section 4 in `time_zone`; raises PeriodError.

    A single date `2025-03-14` is that one day. Years outside MIN_YEAR..MAX_YEAR are refused.
    """
    value = (text or "").strip()
    try:
        if match := _YEAR.match(value):
            year = _year_checked(int(match[1]))
            return Period(Grain.YEAR, date(year, 1, 1), date(year + 1, 1, 1), time_zone)
        if match := _QUARTER.match(value):
            first = date(_year_checked(int(match[1])), 3 * int(match[2]) - 2, 1)
            return period_containing(Grain.QUARTER, first, time_zone)
        if match := _MONTH.match(value):
            month = date(_year_checked(int(match[1])), int(match[2]), 1)
            return period_containing(Grain.MONTH, month, time_zone)
        if match := _WEEK.match(value):
            monday = date.fromisocalendar(_year_checked(int(match[1])), int(match[2]), 1)
            return period_containing(Grain.WEEK, monday, time_zone)
        if match := _DAY.match(value):
            day = date.fromisoformat(match[1])
            return period_between(day, day + timedelta(days=1), time_zone)
        if match := _RANGE.match(value):
            return period_between(
                date.fromisoformat(match[1]), date.fromisoformat(match[2]), time_zone
            )
    except ValueError as error:
        if isinstance(error, PeriodError):
            raise
        raise PeriodError(f"{value!r} is not a valid period ({error}); use {ACCEPTED}") from None
    raise PeriodError(f"{value!r} is not a period; use {ACCEPTED}")


def period_between(first_day: date, end_day: date, time_zone: tzinfo) -> Period:
    """The explicit period `[first_day, end_day)`, both days in years MIN_YEAR to MAX_YEAR."""
    _year_checked(first_day.year)
    if end_day > date(MAX_YEAR + 1, 1, 1):
        raise PeriodError(f"the end {end_day.isoformat()} is after the year {MAX_YEAR}")
    if end_day <= first_day:
        raise PeriodError(
            f"the end {end_day.isoformat()} must be after the start {first_day.isoformat()}"
        )
    return Period(Grain.CUSTOM, first_day, end_day, time_zone)


def add_months(day: Day, months: int) -> Day:
    """The same day (and time) `months` calendar months later, or earlier when negative; the
    day is clamped to the month's length (January 31st + 1 month = February 28th or 29th)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def period_containing(grain: Grain, day: date, time_zone: tzinfo) -> Period:
    """The year, quarter, month or ISO week (Monday first) containing the local date `day`."""
    if grain is Grain.YEAR:
        return Period(grain, date(day.year, 1, 1), date(day.year + 1, 1, 1), time_zone)
    if grain is Grain.QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(grain, first, add_months(first, 3), time_zone)
    if grain is Grain.MONTH:
        first = date(day.year, day.month, 1)
        return Period(grain, first, add_months(first, 1), time_zone)
    if grain is Grain.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(grain, monday, monday + timedelta(days=7), time_zone)
    raise PeriodError(f"no period of grain {grain!s} contains a single day")


def periods_overlapping(
    grain: Grain, start: datetime, end: datetime, time_zone: tzinfo
) -> Iterator[Period]:
    """Every period of `grain` that overlaps the instant range `[start, end)`, in order."""
    if end <= start:
        return
    period = period_containing(grain, start.astimezone(time_zone).date(), time_zone)
    while period.start < end:
        if period.end > start:
            yield period
        period = period.next()
