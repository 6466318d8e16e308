"""The goal planner: the trailing 12 months' rates worked back from a revenue target."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smarketing.core.periods import Grain, Period, PeriodError, period_between, period_containing

from ..compute import output_value
from ..definitions import KPIS_BY_KEY, kpis_compute
from ..planner import RATE_KEYS as PLANNER_RATE_KEYS
from ..planner import funnel_plan
from ..sql import kpi_measures_fetch
from .context import kpi_context_get

PLANNER_TRAILING_MONTHS = 12


def funnel_plan_get(*, revenue: Decimal, period: Period) -> dict[str, Any]:
    """The goal planner for `period`, with the rates of the 12 months before it (computed live:
    one SQL statement over that range)."""
    if period.grain not in (Grain.YEAR, Grain.QUARTER, Grain.MONTH):
        raise PeriodError("plan for a year, a quarter or a month")
    month = period_containing(Grain.MONTH, period.first_day, period.time_zone)
    first_month = month.shifted(-PLANNER_TRAILING_MONTHS)
    trailing = period_between(first_month.first_day, period.first_day, period.time_zone)
    context = kpi_context_get()
    values = kpis_compute(kpi_measures_fetch(period=trailing, context=context).of_total())
    rates = {key: values[key] for key in ("average_deal_size", *PLANNER_RATE_KEYS)}
    plan = funnel_plan(revenue=revenue, rates=rates, months=period.months)
    return {
        "revenue": float(revenue),
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "months": period.months,
        "rates_from": {"start": trailing.start.isoformat(), "end": trailing.end.isoformat()},
        "rates": {key: output_value(value, KPIS_BY_KEY[key].unit) for key, value in rates.items()},
        **plan,
    }
