"""Spikes and dips of snapshot values, and how steady each rate has been."""

from __future__ import annotations

from typing import Any

from smarketing.core.periods import Grain, Period

from ..anomalies import (
    BASELINE_PERIODS,
    STABILITY_MONTHS,
    coefficient_of_variation,
    series_anomalies,
)
from ..definitions import RATE_KEYS, SCALAR_KPI_KEYS
from .snapshots import kpi_snapshot_series, kpi_value


def kpi_anomaly_list(
    *, grain: Grain, first: Period, last: Period, kpis: tuple[str, ...] = SCALAR_KPI_KEYS
) -> list[dict[str, Any]]:
    """Flagged snapshot values between `first` and `last`, each judged against the 8 periods of
    the same grain before it (read from snapshots too)."""
    series = kpi_snapshot_series(grain=grain, first=first.shifted(-BASELINE_PERIODS), last=last)
    found = []
    for key in kpis:
        points = [
            (period.label, kpi_value(snapshot.kpis if snapshot else None, key))
            for period, snapshot in series
        ]
        for label, score in series_anomalies(points):
            if label < first.label:
                continue
            found.append(
                {
                    "kpi": key,
                    "period": label,
                    "value": score.value,
                    "direction": score.direction,
                    "baseline_median": score.baseline_median,
                    "mad": score.mad,
                    "robust_z": round(score.z, 6),
                    "deviation": round(score.value - score.baseline_median, 6),
                    "baseline_periods": score.baseline_size,
                }
            )
    return sorted(found, key=lambda item: (item["period"], item["kpi"]))


def kpi_stability_list(*, last_month: Period) -> list[dict[str, Any]]:
    """Coefficient of variation of every rate over the 6 monthly snapshots ending `last_month`."""
    first = last_month.shifted(-(STABILITY_MONTHS - 1))
    series = kpi_snapshot_series(grain=Grain.MONTH, first=first, last=last_month)
    result = []
    for key in RATE_KEYS:
        values = [kpi_value(snapshot.kpis if snapshot else None, key) for _, snapshot in series]
        cv = coefficient_of_variation(values)
        result.append(
            {
                "kpi": key,
                "months": [period.label for period, _ in series],
                "values": values,
                "coefficient_of_variation": None if cv is None else round(cv, 6),
            }
        )
    return result
