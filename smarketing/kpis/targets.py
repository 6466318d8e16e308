"""KPI targets of a workspace (e.g. MQL→SQL ≥ 0.30) judged against a value. No Django imports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

AT_LEAST, AT_MOST = ">=", "<="


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
