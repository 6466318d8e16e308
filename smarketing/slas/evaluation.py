"""SLA evaluation, forecasts, streaks and compliance: pure functions of (SLA terms, KPI values,
now). No Django imports, no database: selectors load the values, services store the results.

SPEC section 5: a closed period is `met` when its value satisfies the comparator (equal to the
target satisfies both), `missed` when not, `no_data` when the value is null. The period in
progress gets a forecast: KPIs that add up over a period (counts and sums of money,
`definitions.ACCUMULATING_KEYS`) are projected as value so far ÷ elapsed share of the period,
every other KPI is taken as it stands; `on_track` or `at_risk` by the same comparison, `no_data`
when null. Values are compared as SPEC rounds them (so a snapshot and a live computation of the
same period always agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from smarketing.kpis.compute import Unit, output_value, round_half_up
from smarketing.kpis.definitions import ACCUMULATING_KEYS, KPIS_BY_KEY

from .rules import target_met

# A projection is a fraction of a count too: shown, stored and compared with 2 decimals.
PROJECTION_PLACES = 2
SHARE_PLACES = 6


class Status(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"


CLOSED_STATUSES = (Status.MET, Status.MISSED, Status.NO_DATA)
FORECAST_STATUSES = (Status.ON_TRACK, Status.AT_RISK, Status.NO_DATA)


@dataclass(frozen=True)
class SlaTerms:
    """What an evaluation needs of an SLA."""

    kpi: str
    comparator: str
    target: Decimal


@dataclass(frozen=True)
class Evaluation:
    status: Status
    # True for a closed period; False for the forecast of the period in progress.
    final: bool
    # Rounded as SPEC section 5 (int for a closed count); for a forecast the projected value.
    value: int | Decimal | None
    # Forecasts only: the KPI so far and the elapsed share of the period (0 < share < 1).
    value_so_far: int | Decimal | None = None
    elapsed_share: Decimal | None = None


def _rounded(raw: Any, unit: Unit) -> int | Decimal | None:
    """A KPI value (exact, float from a snapshot, or None) as SPEC section 5 outputs it."""
    value = output_value(raw, unit)
    if value is None or isinstance(value, int):
        return value
    return Decimal(str(value))


def _elapsed(start: datetime, end: datetime, now: datetime) -> Fraction:
    # In UTC: Python subtracts datetimes of the same zone by their wall clocks, which would
    # miss the hour a summer-time change adds or removes.
    start, end, now = (moment.astimezone(UTC) for moment in (start, end, now))
    microseconds = timedelta(microseconds=1)
    return Fraction((now - start) // microseconds, (end - start) // microseconds)


def sla_evaluate(
    terms: SlaTerms,
    values: Mapping[str, Any] | None,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Evaluation:
    """Evaluate one SLA for the period `[start, end)` from that period's KPI `values` (the
    workspace's, or its source's; None when there are none), as things stand at `now`."""
    if now < start:
        raise ValueError("the period has not started yet: nothing to evaluate")
    unit = KPIS_BY_KEY[terms.kpi].unit
    value = _rounded(None if values is None else values.get(terms.kpi), unit)
    if now >= end:
        return Evaluation(_judge(value, terms, Status.MET, Status.MISSED), True, value)
    share = _elapsed(start, end, now)
    projected: int | Decimal | None = value
    if terms.kpi in ACCUMULATING_KEYS:
        projected = (
            None
            if value is None or share == 0
            else round_half_up(Fraction(value) / share, PROJECTION_PLACES)
        )
    return Evaluation(
        status=_judge(projected, terms, Status.ON_TRACK, Status.AT_RISK),
        final=False,
        value=projected,
        value_so_far=value,
        elapsed_share=round_half_up(share, SHARE_PLACES),
    )


def _judge(value: Any, terms: SlaTerms, good: Status, bad: Status) -> Status:
    met = target_met(value, terms.comparator, terms.target)
    if met is None:
        return Status.NO_DATA
    return good if met else bad


def compliance(statuses: Iterable[str]) -> Fraction | None:
    """met ÷ (met + missed) of closed periods; None when none was met or missed."""
    counted = [status for status in statuses if status in (Status.MET, Status.MISSED)]
    if not counted:
        return None
    return Fraction(counted.count(Status.MET), len(counted))


@dataclass(frozen=True)
class Streak:
    status: str  # met, missed or no_data: the latest closed period's
    length: int  # how many closed periods in a row, ending with the latest, share it


def streak(statuses: Sequence[str]) -> Streak | None:
    """The run of identical results ending with the latest closed period (oldest first)."""
    if not statuses:
        return None
    latest, length = statuses[-1], 0
    for status in reversed(statuses):
        if status != latest:
            break
        length += 1
    return Streak(latest, length)


def longest_met_streak(statuses: Sequence[str]) -> int:
    best = current = 0
    for status in statuses:
        current = current + 1 if status == Status.MET else 0
        best = max(best, current)
    return best


def alert_due(
    evaluation: Evaluation,
    *,
    period_start: datetime,
    period_end: datetime,
    latest_closed_start: datetime,
    sla_created_at: datetime,
) -> str | None:
    """The alert an evaluation raises, if any: `missed` for the period that closed last (and
    closed while the SLA existed: filling in history raises none), `at_risk` for a forecast.
    Whether it was already raised is the store's business (one alert per SLA and period)."""
    if evaluation.final:
        just_closed = period_start == latest_closed_start and period_end > sla_created_at
        return "missed" if just_closed and evaluation.status == Status.MISSED else None
    return "at_risk" if evaluation.status == Status.AT_RISK else None
