"""The period picker and the source filter every page honours, kept in the URL.

`?period=2026-10&source=paid_search`: `period` is any period of SPEC section 4 (`2026`,
`2026-Q4`, `2026-10`, `2026-W44`, or an explicit range `2026-01-01..2026-03-01`); the picker's
form also sends `grain` (and `from` / `to` for a custom range), and a period of another grain is
then moved to the period of the chosen grain that contains its first day. Without a period a
page shows its default (the latest complete month with data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.http import QueryDict

from smarketing.core.periods import (
    Grain,
    Period,
    PeriodError,
    add_months,
    period_between,
    period_containing,
)
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.snapshots import DefaultMonth, kpi_month_default

GRAIN_CHOICES = (
    (Grain.WEEK, "Week"),
    (Grain.MONTH, "Month"),
    (Grain.QUARTER, "Quarter"),
    (Grain.YEAR, "Year"),
    (Grain.CUSTOM, "Custom range"),
)
# How many periods of each grain the picker offers (ending with the current one).
PICKER_LENGTH = {Grain.WEEK: 26, Grain.MONTH: 24, Grain.QUARTER: 12, Grain.YEAR: 5}


def same_period_last_year(period: Period) -> Period:
    """The period a year before: the same month, quarter or year; the ISO week 52 weeks before;
    a range moved back 12 months."""
    if period.grain is Grain.CUSTOM:
        # Built as `Period.previous()` builds one: a range of 1900 has a last year too (1899),
        # which `period_between` refuses as typed input (a 500 on the KPIs page).
        return Period(
            Grain.CUSTOM,
            add_months(period.first_day, -12),
            add_months(period.end_day, -12),
            period.time_zone,
        )
    if period.grain is Grain.WEEK:
        return period.shifted(-52)
    steps = {Grain.MONTH: 12, Grain.QUARTER: 4, Grain.YEAR: 1}[period.grain]
    return period.shifted(-steps)


def period_param(period: Period) -> str:
    """The text of `period` in a URL: its label, or `first..end` for a range."""
    if period.grain is Grain.CUSTOM:
        return f"{period.first_day.isoformat()}..{period.end_day.isoformat()}"
    return period.label


@dataclass(frozen=True)
class PageFilter:
    period: Period
    source: str | None
    default: DefaultMonth
    # True when no period was asked for (the page shows its default).
    is_default: bool
    errors: list[str] = field(default_factory=list)

    @property
    def grain(self) -> Grain:
        return self.period.grain

    @property
    def current_period(self) -> Period:
        """The period of the same grain that contains today (for a range: the default month)."""
        if self.period.grain is Grain.CUSTOM:
            return self.default.current
        return period_containing(
            self.period.grain, self.default.current.first_day, self.period.time_zone
        )

    @property
    def in_progress(self) -> bool:
        return self.period.end > self.default.current.start

    def params(self, **changes: str | None) -> dict[str, str]:
        values: dict[str, str | None] = {"period": period_param(self.period), "source": self.source}
        values.update(changes)
        return {key: value for key, value in values.items() if value}

    def query(self, **changes: str | None) -> str:
        """The URL query of this filter (with `changes`), e.g. `period=2026-10&source=email`."""
        return urlencode(self.params(**changes))

    def picker_periods(self) -> list[Period]:
        """The periods the picker offers for the shown grain, newest first."""
        if self.period.grain is Grain.CUSTOM:
            return []
        current = self.current_period
        offered = [current.shifted(-steps) for steps in range(PICKER_LENGTH[self.period.grain])]
        if self.period not in offered:
            offered.append(self.period)
        return offered


def page_filter_parse(query: QueryDict) -> PageFilter:
    """The filter of a page's query string; a bad period falls back to the default with a
    message (pages never fail on a hand-edited URL)."""
    default = kpi_month_default()
    source = (query.get("source") or "").strip() or None
    errors: list[str] = []
    period = _period_asked(query, default, errors)
    if period is None:
        return PageFilter(default.month, source, default, is_default=True, errors=errors)
    return PageFilter(period, source, default, is_default=False, errors=errors)


def _period_asked(query: QueryDict, default: DefaultMonth, errors: list[str]) -> Period | None:
    grain_text = (query.get("grain") or "").strip()
    grain = Grain(grain_text) if grain_text in {choice.value for choice in Grain} else None
    time_zone = default.month.time_zone
    if grain is Grain.CUSTOM and (query.get("from") or query.get("to")):
        try:
            return period_between(
                date.fromisoformat(query.get("from", "")),
                date.fromisoformat(query.get("to", "")),
                time_zone,
            )
        except (ValueError, PeriodError) as error:
            errors.append(f"Custom range: {error}" if str(error) else "Custom range: two dates")
            return None
    text = (query.get("period") or "").strip()
    if not text:
        if _standard(grain):
            return period_containing(grain, default.month.first_day, time_zone)  # type: ignore[arg-type]
        return None
    try:
        period = kpi_period_parse(text)
    except PeriodError as error:
        errors.append(str(error))
        return None
    if _standard(grain) and period.grain is not grain:
        # The picker changed grain: the period of that grain containing the shown one's start.
        return period_containing(grain, period.first_day, time_zone)  # type: ignore[arg-type]
    return period


def _standard(grain: Grain | None) -> bool:
    return grain is not None and grain is not Grain.CUSTOM
