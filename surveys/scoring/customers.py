"""A customer survey's figures (NPS or CSAT) from its grouped counts, suppressed: overall,
distribution, trend by release month and breakdowns by the lead's source, campaign, owner.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .measures import (
    Counts,
    counts_add,
    counts_expand,
    counts_mean,
    csat,
    distribution,
    nps,
    nps_shares,
    round_or_none,
)
from .suppression import hidden, hidden_groups, is_hidden

BREAKDOWNS = ("source", "campaign", "owner")


@dataclass(frozen=True)
class CustomerCount:
    """How many released answers gave `score`, grouped by their release month (YYYY-MM) and
    their lead's frozen source, campaign and owner: one row of the selector's one query."""

    month: str
    score: int
    source: str
    campaign: str
    owner: str
    n: int


def customer_metric(measure: str, counts: Counts) -> dict[str, Any]:
    """NPS with promoter/passive/detractor shares, or CSAT with the mean, of a visible group."""
    scores = counts_expand(counts)
    if measure == "nps":
        shares = nps_shares(scores)
        return {
            "responses": len(scores),
            "nps": round_or_none(nps(scores), 2),
            **{key: round_or_none(value, 6) for key, value in shares.items()},
        }
    return {
        "responses": len(scores),
        "csat": round_or_none(csat(scores), 6),
        "mean": round_or_none(counts_mean(counts), 2),
    }


def _quarter(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def _breakdown(
    rows: Sequence[CustomerCount],
    field: str,
    *,
    measure: str,
    threshold: int,
    open_month: str | None,
) -> list[dict[str, Any]]:
    """One breakdown (by source, campaign or owner) built from cells of whole quarters.

    A cell is a group's answers released in one quarter. A quarter that may still receive
    releases (that of `open_month`) is never used, and in each finished quarter the cells are
    suppressed as a partition (`hidden_groups`). A group's figure adds up its shown cells, so
    every figure is a sum of cells of at least k answers that never change again, and what a
    quarter leaves out is 0 or at least k answers: no difference between two reads, nor
    between groups and the overall, isolates an answer. A group without a shown cell is not
    listed at all, so its name is not shown either. Quarters rather than months: more cells
    reach k, so fewer answers are left out of their group.
    """
    cells: dict[str, dict[str, dict[int, int]]] = {}
    open_period = _quarter(open_month) if open_month else None
    for row in rows:
        if _quarter(row.month) == open_period:
            continue
        cell = cells.setdefault(_quarter(row.month), {}).setdefault(getattr(row, field), {})
        cell[row.score] = cell.get(row.score, 0) + row.n
    shown: dict[str, dict[int, int]] = {}
    for groups in cells.values():
        hidden_here = hidden_groups({g: sum(c.values()) for g, c in groups.items()}, threshold)
        for group, counts in groups.items():
            if group not in hidden_here:
                shown[group] = counts_add(shown.get(group, {}), counts)
    return [
        {"group": group, "hidden": False, **customer_metric(measure, counts)}
        for group, counts in sorted(shown.items())
    ]


def customer_figures(
    rows: Sequence[CustomerCount],
    *,
    measure: str,
    scale: tuple[int, int],
    threshold: int,
    open_month: str | None,
) -> dict[str, Any]:
    """NPS or CSAT of a customer survey's released answers: overall, distribution, trend by
    release month and breakdowns by the lead's source, campaign and owner, all suppressed.

    `open_month` is the month that may still receive releases (the current one of an open
    survey; None once it is closed): the breakdowns leave its quarter out. Months of the trend
    are unions of whole releases, each of at least k answers; they are suppressed as a
    partition all the same.
    """
    overall = counts_add(*({row.score: row.n} for row in rows))
    if is_hidden(sum(overall.values()), threshold):
        return {
            "overall": hidden(threshold),
            "distribution": None,
            "trend": [],
            **{f"by_{field}": [] for field in BREAKDOWNS},
        }
    low, high = scale
    by_month: dict[str, dict[int, int]] = {}
    for row in rows:
        by_month[row.month] = counts_add(by_month.get(row.month, {}), {row.score: row.n})
    hidden_months = hidden_groups({m: sum(c.values()) for m, c in by_month.items()}, threshold)
    return {
        "overall": {"hidden": False, **customer_metric(measure, overall)},
        "distribution": {
            str(v): n for v, n in distribution(counts_expand(overall), low, high).items()
        },
        "trend": [
            {"month": month, "hidden": False, **customer_metric(measure, counts)}
            for month, counts in sorted(by_month.items())
            if month not in hidden_months
        ],
        **{
            f"by_{field}": _breakdown(
                rows, field, measure=measure, threshold=threshold, open_month=open_month
            )
            for field in BREAKDOWNS
        },
    }


# --- What the alignment cockpit reads for a quarter ------------------------------------------


def nps_of_counts(counts: Counts, threshold: int) -> float | None:
    """NPS of answers given as {score: how many}; None without answers or below k."""
    total = sum(counts.values())
    if total == 0 or is_hidden(total, threshold):
        return None
    return nps(counts_expand(counts))
