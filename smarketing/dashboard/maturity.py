""" "Maturing" cohorts: a cohort rate whose cohort is younger than the workspace's usual time for
that transition has not had the time to convert, so a low value is not (yet) a collapse.
Pure functions, no Django.

A period's cohort is as young as its last day: the leads that entered the from-stage then have
had `now − period end` to convert. The cohort is maturing while that is less than the
workspace's median time for the transition, taken as the median of the transition's medians
over the last complete quarters (read from their snapshots).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from statistics import median
from typing import Any

# Cohort rate → the snapshot value holding the median days of its transition.
COHORT_TRANSITIONS = {
    "lead_to_mql_rate": "stage_days_median.lead_to_mql",
    "mql_to_sql_rate": "stage_days_median.mql_to_sql",
    "sql_to_opportunity_rate": "stage_days_median.sql_to_opportunity",
    "opportunity_to_customer_rate": "stage_days_median.opportunity_to_customer",
    "lead_to_customer_rate": "sales_cycle_days_median",
    # Sales reviews an MQL before accepting or rejecting it: the MQL → SQL time.
    "mql_rejection_rate": "stage_days_median.mql_to_sql",
}


def _value(kpis: Mapping[str, Any], key: str) -> Any:
    name, _, part = key.partition(".")
    value = kpis.get(name)
    return value.get(part) if part and isinstance(value, Mapping) else value


def transition_medians(quarters: Sequence[Mapping[str, Any] | None]) -> dict[str, float]:
    """The workspace's median days per transition: the median of each transition's quarterly
    medians (quarters without a value are skipped; a transition never seen is absent)."""
    result = {}
    for transition in set(COHORT_TRANSITIONS.values()):
        values = [
            float(value)
            for kpis in quarters
            if kpis is not None and (value := _value(kpis, transition)) is not None
        ]
        if values:
            result[transition] = median(values)
    return result


def is_maturing(
    key: str, *, period_end: datetime, now: datetime, medians: Mapping[str, float]
) -> bool:
    """Whether the cohort of `key` for a period ending `period_end` is still maturing."""
    transition = COHORT_TRANSITIONS.get(key.partition(".")[0])
    if transition is None or transition not in medians:
        return False
    return now - period_end < timedelta(days=medians[transition])


def maturing_keys(
    keys: Sequence[str], *, period_end: datetime, now: datetime, medians: Mapping[str, float]
) -> set[str]:
    return {
        key for key in keys if is_maturing(key, period_end=period_end, now=now, medians=medians)
    }


def maturity_changes_after(
    *, period_end: datetime, now: datetime, medians: Mapping[str, float]
) -> datetime | None:
    """The next instant after `now` at which a cohort of the period ending `period_end` stops
    maturing (None when none will): what a page showing its flags must be rebuilt by."""
    ends = [period_end + timedelta(days=days) for days in medians.values()]
    return min((end for end in ends if end > now), default=None)
