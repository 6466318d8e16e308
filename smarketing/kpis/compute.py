"""Pure arithmetic of the KPI engine: exact ratios, means and output rounding. No Django imports.

Intermediate values are exact `Fraction`s (money comes from PostgreSQL numerics, durations from
integer microseconds), so nothing is rounded before `output_value`, the one place that rounds
(SPEC section 5: half-up, money/days/hours to 2 decimals, rates to 6).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import floor
from typing import Any

Number = int | Fraction

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"
    RATE = "rate"
    DAYS = "days"
    HOURS = "hours"
    # An object of days, one per funnel transition (`stage_days_median`).
    DAYS_BY_STAGE = "days_by_stage"


DECIMAL_PLACES = {
    Unit.MONEY: 2,
    Unit.DAYS: 2,
    Unit.HOURS: 2,
    Unit.DAYS_BY_STAGE: 2,
    Unit.RATE: 6,
}


def exact(value: Any) -> Fraction | None:
    """An exact fraction of an int, Decimal, Fraction or float (floats are taken as they are)."""
    if value is None:
        return None
    if type(value) is Fraction:
        return value
    if isinstance(value, float | int | Decimal | Fraction):
        return Fraction(value)
    return Fraction(str(value))


def ratio(numerator: Any, denominator: Any) -> Fraction | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    if type(numerator) is int and type(denominator) is int:
        # The common case (counts over counts): one normalisation instead of three.
        return None if denominator == 0 else Fraction(numerator, denominator)
    top, bottom = exact(numerator), exact(denominator)
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def days(seconds: Any) -> Fraction | None:
    return ratio(seconds, SECONDS_PER_DAY)


def hours(seconds: Any) -> Fraction | None:
    return ratio(seconds, SECONDS_PER_HOUR)


def product(*factors: Any) -> Fraction | None:
    """The product of the factors; None when any factor is missing."""
    result = Fraction(1)
    for factor in factors:
        value = exact(factor)
        if value is None:
            return None
        result *= value
    return result


def pipeline_velocity(
    open_deals: Any, win_rate: Any, average_deal_size: Any, cycle_days_mean: Any
) -> Fraction | None:
    """(open deals × win rate × average deal size) / mean sales cycle in days, money per day.

    None when a factor is None or the mean cycle is 0 (SPEC section 5).
    """
    numerator = product(open_deals, win_rate, average_deal_size)
    return ratio(numerator, cycle_days_mean)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value half away from zero (SPEC's "half-up") to `places` decimals."""
    scale = 10**places
    magnitude = floor(abs(value) * scale + Fraction(1, 2))
    rounded = Decimal(magnitude) / Decimal(scale)
    return -rounded if value < 0 else rounded


def _rounded_float(value: Any, places: int) -> float:
    """float(round_half_up(value, places)), in integers: a snapshot refresh rounds a few hundred
    thousand values. m / 10**places is correctly rounded, as float() of the exact decimal is."""
    fraction = value if type(value) is Fraction else exact(value) or Fraction(0)
    numerator, denominator = fraction.numerator, fraction.denominator
    scale = 10**places
    magnitude = (2 * abs(numerator) * scale + denominator) // (2 * denominator)
    result = magnitude / scale
    return -result if numerator < 0 else result


def output_value(value: Any, unit: Unit) -> Any:
    """The JSON value of a KPI: int for counts, rounded float otherwise, None stays None."""
    if value is None:
        return None
    if unit is Unit.DAYS_BY_STAGE:
        return {name: output_value(item, Unit.DAYS) for name, item in value.items()}
    if unit is Unit.COUNT:
        return int(value)
    return _rounded_float(value, DECIMAL_PLACES[unit])
