"""SLAs the product proposes, for an admin to edit and accept. No Django imports.

- **Templates** for a new workspace: the agreement most teams start from, with targets taken
  from the workspace's own recent months when it has data (so they are attainable but not
  free), else common starting values.
- **From a revenue goal**: the goal planner's monthly volumes and the rates they assume
  (revenue goal → won deals → opportunities → SQLs → MQLs, HubSpot's method).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# Starting values when the workspace has no month of data yet.
FALLBACK = {
    "mqls": Decimal(100),
    "mql_to_sql_rate": Decimal("0.3"),
    "mql_rejection_rate": Decimal("0.2"),
}
RESPONSE_TARGET = Decimal("0.95")
DISPOSITION_TARGET = Decimal("0.95")


def _decimal(value: Any) -> Decimal:
    """A Decimal of an int, float, Decimal or Fraction: `str(Fraction(1523, 3))` is "1523/3",
    which Decimal refuses (the SLA page answered 500 for such a three-month mean)."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value))


def _rate(value: Any) -> Decimal:
    return _decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _sla(name: str, kpi: str, comparator: str, target: Decimal, team: str, why: str) -> dict:
    return {
        "name": name,
        "kpi": kpi,
        "source": None,
        "comparator": comparator,
        "target": target,
        "period": "month",
        "team": team,
        "why": why,
    }


def template_proposals(averages: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The five starting SLAs, with targets from `averages` (recent monthly means of mqls,
    mql_to_sql_rate and mql_rejection_rate; None or missing when unknown)."""

    def known(key: str) -> Any:
        value = averages.get(key)
        return FALLBACK[key] if value is None else value

    mqls = _decimal(known("mqls")).quantize(Decimal(1), rounding=ROUND_CEILING)
    basis = "your average of the last 3 complete months" if averages else "a common start"
    return [
        _sla("MQLs delivered", "mqls", ">=", max(mqls, Decimal(1)), "marketing",
             f"Marketing delivers at least this many MQLs a month ({basis})."),
        _sla("MQL → SQL conversion", "mql_to_sql_rate", ">=", _rate(known("mql_to_sql_rate")),
             "shared", f"Both teams keep the share of MQLs that become SQLs ({basis})."),
        _sla("First touch within the response time", "mql_response_within_sla_rate", ">=",
             RESPONSE_TARGET, "sales",
             "Sales first-touches 95 % of MQLs within the workspace's response time."),
        _sla("MQLs accepted or rejected within 48 h", "mql_disposition_within_48h_rate", ">=",
             DISPOSITION_TARGET, "sales",
             "Sales accepts (SQL) or rejects every MQL within 48 hours (95 % leaves room for "
             "holidays)."),
        _sla("MQL rejection rate", "mql_rejection_rate", "<=",
             _rate(known("mql_rejection_rate")), "marketing",
             f"Marketing keeps the share of MQLs sales sends back at most this ({basis})."),
    ]  # fmt: skip


def goal_proposals(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Monthly SLAs from a goal planner result (`funnel_plan_get`): the MQL and SQL volumes the
    goal needs each month, and the conversion and win rates the plan assumes."""
    per_month, rates = plan["per_month"], plan["rates"]
    goal = f"the {plan['period']['label']} revenue goal"
    proposals = []
    for kpi, team, noun in (("mqls", "marketing", "MQLs"), ("sqls", "sales", "SQLs")):
        if per_month.get(kpi) is not None:
            proposals.append(
                _sla(
                    f"{noun} for the revenue goal",
                    kpi,
                    ">=",
                    Decimal(per_month[kpi]),
                    team,
                    f"{per_month[kpi]} {noun} a month reach {goal}.",
                )
            )
    for kpi, team, label in (
        ("mql_to_sql_rate", "shared", "MQL → SQL"),
        ("sql_to_opportunity_rate", "sales", "SQL → opportunity"),
        ("win_rate", "sales", "Win rate"),
    ):
        if rates.get(kpi):
            proposals.append(
                _sla(
                    f"{label} for the revenue goal",
                    kpi,
                    ">=",
                    _rate(rates[kpi]),
                    team,
                    f"The plan for {goal} assumes this rate (the last 12 months').",
                )
            )
    return proposals
