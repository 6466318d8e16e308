"""Anomalies and stability of KPI series (SPEC section 5, "Beyond the basics"). No Django imports.

Robust z-score: z = 0.6745 × (x − median) / MAD, where median and MAD (median absolute deviation)
come from the 8 preceding periods of the same grain. 0.6745 is the conventional scaling
(Iglewicz & Hoaglin) that makes the MAD comparable to a standard deviation for normal data.
A value is flagged when |z| > 3.5 and at least 4 of those periods have a value. When the MAD is
0 (a flat history) no z-score exists and nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median, pstdev
from typing import Any

BASELINE_PERIODS = 8
MINIMUM_BASELINE = 4
THRESHOLD = Fraction(35, 10)
SCALE = Fraction(6745, 10000)
STABILITY_MONTHS = 6


@dataclass(frozen=True)
class RobustScore:
    value: float
    baseline_median: float
    mad: float
    z: float
    baseline_size: int

    @property
    def flagged(self) -> bool:
        return abs(Fraction(self.z)) > THRESHOLD

    @property
    def direction(self) -> str:
        return "spike" if self.z > 0 else "dip"


def robust_score(value: Any, preceding: Sequence[Any]) -> RobustScore | None:
    """The robust z-score of `value` against the (up to 8) preceding values; None if undefined."""
    if value is None:
        return None
    history = [Fraction(item) for item in preceding[-BASELINE_PERIODS:] if item is not None]
    if len(history) < MINIMUM_BASELINE:
        return None
    centre = median(history)
    mad = median(abs(item - centre) for item in history)
    if mad == 0:
        return None
    z = SCALE * (Fraction(value) - centre) / mad
    return RobustScore(float(value), float(centre), float(mad), float(z), len(history))


def series_anomalies(series: Sequence[tuple[str, Any]]) -> list[tuple[str, RobustScore]]:
    """The flagged points of an ordered (label, value) series of one KPI and grain."""
    flagged = []
    values = [value for _, value in series]
    for index, (label, value) in enumerate(series):
        score = robust_score(value, values[max(0, index - BASELINE_PERIODS) : index])
        if score is not None and score.flagged:
            flagged.append((label, score))
    return flagged


def coefficient_of_variation(values: Sequence[Any]) -> float | None:
    """Population standard deviation / mean of the present values; None with fewer than 2
    values or a zero mean."""
    present = [Fraction(value) for value in values if value is not None]
    if len(present) < 2:
        return None
    mean = sum(present) / len(present)
    if mean == 0:
        return None
    return float(pstdev(present) / mean)
