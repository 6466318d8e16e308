"""Survey measures of SPEC section 5 and the anonymity rule, as pure functions.

No Django here: selectors fetch the answers, these functions turn them into figures.
"""

from collections.abc import Iterable, Mapping, Sequence

MIN_ANONYMITY_THRESHOLD = 3
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
CSAT_SATISFIED_MIN = 4
LIKERT_MIN, LIKERT_MAX = 1, 5


def threshold_validate(threshold: int) -> int:
    """The anonymity threshold k: an integer, never below 3."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError("The anonymity threshold must be a whole number.")
    if threshold < MIN_ANONYMITY_THRESHOLD:
        raise ValueError(f"The anonymity threshold can never be below {MIN_ANONYMITY_THRESHOLD}.")
    return threshold


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


def hidden_groups(counts: Mapping[str, int], threshold: int) -> set[str]:
    """The groups of a partition whose figures must be hidden.

    `counts` partitions the respondents of a view that is shown as a whole (the overall group)
    into groups (teams, months, sources…). A group smaller than the threshold is hidden
    (primary suppression). If the hidden groups together hold some but fewer than `threshold`
    respondents, the whole minus the visible groups would give them away, so the smallest
    visible group is hidden too, and so on (complementary suppression). When the whole is
    below the threshold every group is hidden.
    """
    threshold_validate(threshold)
    if sum(counts.values()) < threshold:
        return set(counts)
    hidden = {group for group, count in counts.items() if count < threshold}
    while 0 < sum(counts[group] for group in hidden) < threshold:
        visible = sorted((counts[g], g) for g in counts if g not in hidden)
        if not visible:
            break
        hidden.add(visible[0][1])
    return hidden


def is_hidden(count: int, threshold: int) -> bool:
    """A single group (not part of a shown partition) is hidden below the threshold."""
    return count < threshold


def counts_mean(counts: Mapping[int, int]) -> float | None:
    """The mean of answers given as {value: how many}."""
    total = sum(counts.values())
    return sum(value * n for value, n in counts.items()) / total if total else None


def counts_expand(counts: Mapping[int, int]) -> list[int]:
    return [value for value, n in sorted(counts.items()) for _ in range(n)]


def round_or_none(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
