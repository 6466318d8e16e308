"""KPI targets of a workspace (e.g. MQL→SQL ≥ 0.30): which values a target may take, and
whether a value meets it. No Django imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .compute import Unit
from .definitions import KPIS_BY_KEY

AT_LEAST, AT_MOST = ">=", "<="
COMPARATORS = (AT_LEAST, AT_MOST)
# Rates per session can exceed 1 (more leads than recorded sessions); every other rate is a share.
RATES_ABOVE_ONE = frozenset({"traffic_to_lead_rate", "traffic_to_mql_rate", "end_to_end_rate"})
# Targets are stored with 6 decimals.
TARGET_PLACES = Decimal("0.000001")


def target_met(value: Any, comparator: str, target: Any) -> bool | None:
    """Whether `value` meets the target; None when there is no value to judge."""
    if value is None:
        return None
    amount, goal = Decimal(str(value)), Decimal(str(target))
    if comparator == AT_LEAST:
        return amount >= goal
    if comparator == AT_MOST:
        return amount <= goal
    raise ValueError(f"unknown comparator {comparator!r}")


def target_problems(kpi_targets: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """What is wrong with each target, keyed by KPI (a form shows them beside the target): each
    names a single-valued KPI once, with a comparator and a value that KPI can take."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for target in kpi_targets:
        key, value = target["kpi"], Decimal(str(target["target"]))
        kpi = KPIS_BY_KEY.get(key)
        problems = errors.setdefault(key, [])
        if kpi is None or not value.is_finite():
            problems.append(f"unknown KPI {key!r}" if kpi is None else f"{key}: not a number")
            continue
        label = f"Target for {kpi.label}"
        if key in seen:
            problems.append(f"{label}: there is already a target for this KPI")
        seen.add(key)
        if kpi.unit is Unit.DAYS_BY_STAGE:
            problems.append(f"{label}: this KPI has one value per stage, so no single target")
        if target.get("comparator") not in COMPARATORS:
            problems.append(f"{label}: the comparator is >= or <=")
        if value < 0:
            problems.append(f"{label}: cannot be negative")
        elif kpi.unit is Unit.RATE and key not in RATES_ABOVE_ONE and value > 1:
            problems.append(f"{label}: a share is at most 100 % (1 as a fraction)")
        if kpi.unit is Unit.COUNT and value != value.to_integral_value():
            problems.append(f"{label}: a count is a whole number")
        if value != value.quantize(TARGET_PLACES):
            problems.append(f"{label}: at most 6 decimals (0.0001 % for a rate)")
    return {key: problems for key, problems in errors.items() if problems}
