"""The goal planner: from a revenue target back to the funnel volumes it needs. No Django imports.

won deals = revenue / average deal size; deals to close = won deals / win rate; then, assuming
one won deal per new customer, opportunities = won deals / opportunity→customer rate,
SQLs = opportunities / SQL→opportunity, MQLs = SQLs / MQL→SQL, leads = MQLs / lead→MQL and
sessions = leads / traffic→lead. Figures are exact until shown, then rounded up (a plan needs
whole deals); per month = the period's figure / its months, rounded up.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

# (figure, the figure it is derived from, the rate dividing it)
STEPS = (
    ("won_deals", "revenue", "average_deal_size"),
    ("deals", "won_deals", "win_rate"),
    ("opportunities", "won_deals", "opportunity_to_customer_rate"),
    ("sqls", "opportunities", "sql_to_opportunity_rate"),
    ("mqls", "sqls", "mql_to_sql_rate"),
    ("leads", "mqls", "lead_to_mql_rate"),
    ("sessions", "leads", "traffic_to_lead_rate"),
)
RATE_KEYS = tuple(dict.fromkeys(rate for _, _, rate in STEPS))


def funnel_plan(*, revenue: Any, rates: dict[str, Any], months: int) -> dict[str, Any]:
    """Volumes needed for `revenue` over `months`, with a message per missing or zero rate."""
    exact: dict[str, Fraction | None] = {"revenue": Fraction(revenue)}
    messages = []
    for figure, base, rate_key in STEPS:
        rate = rates.get(rate_key)
        if rate is None or rate == 0:
            state = "missing (no data in the trailing 12 months)" if rate is None else "0"
            messages.append(
                f"{rate_key} is {state}: cannot work out {figure} nor the figures derived from it"
            )
            exact[figure] = None
            continue
        previous = exact[base]
        exact[figure] = None if previous is None else previous / Fraction(rate)
    figures = {name: _up(value) for name, value in exact.items() if name != "revenue"}
    per_month = {
        name: _up(value / months) if value is not None and months else None
        for name, value in exact.items()
        if name != "revenue"
    }
    return {"figures": figures, "per_month": per_month, "messages": messages}


def _up(value: Fraction | None) -> int | None:
    return None if value is None else ceil(value)
