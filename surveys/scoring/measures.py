"""The survey measures of SPEC section 5 (NPS, CSAT, means, perception gap, alignment score).

Pure: no Django. Counts are {value: how many answers gave it}.
"""

from collections.abc import Iterable, Mapping, Sequence

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
CSAT_SATISFIED_MIN = 4
LIKERT_MIN, LIKERT_MAX = 1, 5

Counts = Mapping[int, int]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def distribution(values: Iterable[int], low: int, high: int) -> dict[int, int]:
    """How many answers gave each value of the scale, every value listed (zeros included)."""
    counts = dict.fromkeys(range(low, high + 1), 0)
    for value in values:
        counts[value] += 1
    return counts


def nps(scores: Sequence[int]) -> float | None:
    """% promoters (9–10) − % detractors (0–6); −100…100; None without responses."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return 100 * (promoters - detractors) / len(scores)


def nps_shares(scores: Sequence[int]) -> dict[str, float | None]:
    """Shares (fractions) of promoters, passives (7–8) and detractors."""
    if not scores:
        return {"promoters": None, "passives": None, "detractors": None}
    total = len(scores)
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return {
        "promoters": promoters / total,
        "passives": (total - promoters - detractors) / total,
        "detractors": detractors / total,
    }


def csat(scores: Sequence[int]) -> float | None:
    """Share (fraction) of 4–5 answers on a 1–5 scale."""
    if not scores:
        return None
    return sum(1 for s in scores if s >= CSAT_SATISFIED_MIN) / len(scores)


def perception_gap(marketing_mean: float | None, sales_mean: float | None) -> float | None:
    """|mean(marketing) − mean(sales)| for one statement; None when either side is unknown."""
    if marketing_mean is None or sales_mean is None:
        return None
    return abs(marketing_mean - sales_mean)


def likert_percent(likert_mean: float) -> float:
    """A 1–5 mean on a 0–100 scale (1 → 0, 3 → 50, 5 → 100)."""
    return 100 * (likert_mean - LIKERT_MIN) / (LIKERT_MAX - LIKERT_MIN)


def alignment_score(statement_means: Sequence[float], gaps: Sequence[float]) -> float | None:
    """Overall alignment 0–100: agreement scaled down by the mean perception gap.

    agreement = the mean of the statements' overall means on 0–100; the penalty factor is
    1 − mean gap / 4 (4 being the widest possible gap on a 1–5 scale). Without any visible gap
    (a team hidden below the threshold) the score is the agreement alone.
    """
    if not statement_means:
        return None
    agreement = likert_percent(sum(statement_means) / len(statement_means))
    if not gaps:
        return agreement
    mean_gap = sum(gaps) / len(gaps)
    return agreement * (1 - mean_gap / (LIKERT_MAX - LIKERT_MIN))


def counts_mean(counts: Mapping[int, int]) -> float | None:
    """The mean of answers given as {value: how many}."""
    total = sum(counts.values())
    return sum(value * n for value, n in counts.items()) / total if total else None


def counts_expand(counts: Mapping[int, int]) -> list[int]:
    return [value for value, n in sorted(counts.items()) for _ in range(n)]


def counts_add(*many: Counts) -> dict[int, int]:
    total: dict[int, int] = {}
    for counts in many:
        for value, n in counts.items():
            total[value] = total.get(value, 0) + n
    return total


def round_or_none(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# --- Suppressed figures ---------------------------------------------------------------------
# Selectors fetch grouped counts ({value: how many}) in one query; these functions turn them
# into the figures every output shows, hidden below the threshold.
