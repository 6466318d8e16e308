"""What an SLA may say (SPEC section 5) and whether a value keeps it. No Django imports.

Every interface (the SLA page, Django's admin, the API, `sla_apply` files, the settings page's
targets) validates through `sla_problems`, so each refuses the same SLAs with the same words,
and each message names the SLA it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from smarketing.kpis.compute import Unit
from smarketing.kpis.definitions import KPIS, KPIS_BY_KEY

AT_LEAST, AT_MOST = ">=", "<="
COMPARATORS = (AT_LEAST, AT_MOST)
PERIODS = ("week", "month", "quarter")
TEAMS = ("marketing", "sales", "shared")
FIELDS = ("name", "kpi", "source", "comparator", "target", "period", "team")
NAME_MAX_LENGTH = 200
# Targets are stored with 6 decimals (a rate to 0.0001 %).
TARGET_EXPONENT = -6
TARGET_MAX = Decimal("1e14")
# Every KPI with one number per period; `stage_days_median` has one per stage.
NUMERIC_KPI_KEYS = tuple(kpi.key for kpi in KPIS if kpi.unit is not Unit.DAYS_BY_STAGE)


def sla_label(sla: Mapping[str, Any], position: int | None = None) -> str:
    """How messages name an SLA: `SLA "MQLs delivered"`, or by position when it has no name."""
    name = sla.get("name")
    if isinstance(name, str) and name.strip():
        return f'SLA "{name.strip()}"'
    return f"SLA #{position}" if position is not None else "The SLA"


def target_value(value: Any) -> Decimal | None:
    """The target as a Decimal, or None when it is no finite number (booleans are not)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def sla_problems(sla: Mapping[str, Any], position: int | None = None) -> list[str]:
    """What is wrong with one SLA given as a mapping of FIELDS; empty when it is valid."""
    label = sla_label(sla, position)
    problems = []
    unknown = sorted(set(sla) - set(FIELDS))
    if unknown:
        problems.append(f"{label}: unknown field(s) {', '.join(unknown)}")
    name = sla.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: a name is required")
    elif len(name.strip()) > NAME_MAX_LENGTH:
        problems.append(f"{label}: the name is longer than {NAME_MAX_LENGTH} characters")
    key = sla.get("kpi")
    kpi = KPIS_BY_KEY.get(key) if isinstance(key, str) else None
    if kpi is None:
        problems.append(f"{label}: unknown KPI {key!r} (one of the KPI keys, e.g. mqls)")
    elif kpi.unit is Unit.DAYS_BY_STAGE:
        problems.append(
            f"{label}: {key} has one value per stage, not one number; choose a numeric KPI"
        )
    source = sla.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        problems.append(f"{label}: the source is a channel name, or null for every source")
    if sla.get("comparator") not in COMPARATORS:
        problems.append(f"{label}: unknown comparator {sla.get('comparator')!r} (>= or <=)")
    if sla.get("period") not in PERIODS:
        problems.append(f"{label}: unknown period {sla.get('period')!r} (week, month or quarter)")
    if sla.get("team") not in TEAMS:
        problems.append(f"{label}: unknown team {sla.get('team')!r} (marketing, sales or shared)")
    problems.extend(_target_problems(label, sla.get("target"), kpi.unit if kpi else None))
    return problems


def _target_problems(label: str, raw: Any, unit: Unit | None) -> list[str]:
    target = target_value(raw)
    if target is None:
        return [f"{label}: the target {raw!r} is not a number"]
    problems = []
    if target < 0:
        problems.append(f"{label}: the target cannot be negative")
    elif target >= TARGET_MAX:
        problems.append(f"{label}: the target is too large")
    elif unit is Unit.RATE and target > 1:
        problems.append(
            f"{label}: a rate target is a fraction between 0 and 1 (0.3 for 30 %), not {raw}"
        )
    if unit is Unit.COUNT and target != target.to_integral_value():
        problems.append(f"{label}: a count target is a whole number")
    exponent = target.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < TARGET_EXPONENT:
        problems.append(f"{label}: the target has more than 6 decimals")
    return problems


def slas_problems(slas: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every problem of a set of SLAs (a file, a list of targets): each SLA's, and names used
    twice."""
    problems: list[str] = []
    seen: set[str] = set()
    for position, sla in enumerate(slas, start=1):
        if not isinstance(sla, Mapping):
            problems.append(f"SLA #{position}: not an object with name, kpi, comparator, …")
            continue
        problems.extend(sla_problems(sla, position))
        name = sla.get("name")
        if isinstance(name, str) and name.strip():
            if name.strip() in seen:
                problems.append(f"{sla_label(sla)}: the name is used twice")
            seen.add(name.strip())
    return problems


def sla_normalised(sla: Mapping[str, Any]) -> dict[str, Any]:
    """A valid SLA's fields as stored: trimmed name and source, Decimal target."""
    source = sla.get("source")
    return {
        "name": sla["name"].strip(),
        "kpi": sla["kpi"],
        "source": source.strip() if isinstance(source, str) else None,
        "comparator": sla["comparator"],
        "target": target_value(sla["target"]),
        "period": sla["period"],
        "team": sla["team"],
    }


def target_met(value: Any, comparator: str, target: Any) -> bool | None:
    """Whether `value` satisfies `comparator target` (equal satisfies both); None without a
    value."""
    if value is None:
        return None
    amount, goal = Decimal(str(value)), Decimal(str(target))
    if comparator == AT_LEAST:
        return amount >= goal
    if comparator == AT_MOST:
        return amount <= goal
    raise ValueError(f"unknown comparator {comparator!r}")
