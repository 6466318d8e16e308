"""Survey measures of SPEC section 5 and the anonymity rule, as pure functions.

No Django here: selectors fetch the answers, these functions turn them into figures.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


# --- Suppressed figures ---------------------------------------------------------------------
# Selectors fetch grouped counts ({value: how many}) in one query; these functions turn them
# into the figures every output shows, hidden below the threshold.

Counts = Mapping[int, int]


def hidden_note(threshold: int) -> str:
    return f"hidden: fewer than {threshold} responses"


def hidden(threshold: int) -> dict[str, Any]:
    """What a hidden group shows instead of figures: no count, mean or distribution."""
    return {"hidden": True, "note": hidden_note(threshold)}


def group_figures(counts: Counts, low: int, high: int) -> dict[str, Any]:
    """A visible group's count, mean (2 decimals) and distribution over the whole scale."""
    return {
        "hidden": False,
        "responses": sum(counts.values()),
        "mean": round_or_none(counts_mean(counts), 2),
        "distribution": {str(v): n for v, n in distribution((), low, high).items()}
        | {str(v): n for v, n in counts.items()},
    }


def counts_add(*many: Counts) -> dict[int, int]:
    total: dict[int, int] = {}
    for counts in many:
        for value, n in counts.items():
            total[value] = total.get(value, 0) + n
    return total


@dataclass(frozen=True)
class StatementFigures:
    """One statement of an alignment wave: overall and per-team figures, already suppressed;
    the team means and gap unrounded (None where hidden)."""

    overall: dict[str, Any]
    teams: dict[str, dict[str, Any]]
    marketing_mean: float | None
    sales_mean: float | None
    gap: float | None


@dataclass(frozen=True)
class AlignmentFigures:
    """A whole alignment wave, suppressed: `score` and `mean_gap` unrounded."""

    threshold: int
    team_counts: dict[str, int]
    hidden_teams: set[str]
    overall_hidden: bool
    statements: dict[int, StatementFigures]
    score: float | None
    mean_gap: float | None
    answers_mean: float | None = None

    @property
    def total(self) -> int:
        return sum(self.team_counts.values())


def alignment_figures(
    counts: Mapping[int, Mapping[str, Counts]],
    *,
    statement_ids: Sequence[int],
    teams: Sequence[str],
    threshold: int,
    marketing: str = "marketing",
    sales: str = "sales",
) -> AlignmentFigures:
    """Score and suppress an alignment wave from its counts per statement, team and value.

    Every respondent answers every statement, so a team's size is its count on any statement
    (the largest is taken). Suppression is decided on the whole partition of teams
    (`hidden_groups`), and the perception gap exists only where both teams are visible.
    """
    groups = list(dict.fromkeys([*teams, *(t for by_team in counts.values() for t in by_team)]))
    team_counts = {
        team: max((sum(counts.get(s, {}).get(team, {}).values()) for s in statement_ids), default=0)
        for team in groups
    }
    total = sum(team_counts.values())
    overall_hidden = is_hidden(total, threshold)
    hidden_teams = hidden_groups(team_counts, threshold)
    statements: dict[int, StatementFigures] = {}
    overall_means: list[float] = []
    gaps: list[float] = []
    every_answer: list[Counts] = []
    for statement_id in statement_ids:
        by_team = counts.get(statement_id, {})
        overall_counts = counts_add(*by_team.values())
        every_answer.append(overall_counts)
        means = {
            team: None if team in hidden_teams else counts_mean(by_team.get(team, {}))
            for team in groups
        }
        gap = perception_gap(means.get(marketing), means.get(sales))
        if not overall_hidden:
            overall_means.append(counts_mean(overall_counts) or 0.0)
        if gap is not None:
            gaps.append(gap)
        statements[statement_id] = StatementFigures(
            overall=hidden(threshold)
            if overall_hidden
            else group_figures(overall_counts, LIKERT_MIN, LIKERT_MAX),
            teams={
                team: hidden(threshold)
                if team in hidden_teams
                else group_figures(by_team.get(team, {}), LIKERT_MIN, LIKERT_MAX)
                for team in groups
            },
            marketing_mean=means.get(marketing),
            sales_mean=means.get(sales),
            gap=gap,
        )
    return AlignmentFigures(
        threshold=threshold,
        team_counts=team_counts,
        hidden_teams=hidden_teams,
        overall_hidden=overall_hidden,
        statements=statements,
        score=None if overall_hidden else alignment_score(overall_means, gaps),
        mean_gap=mean(gaps),
        answers_mean=None if overall_hidden else counts_mean(counts_add(*every_answer)),
    )
