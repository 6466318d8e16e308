"""An alignment wave's figures from its grouped counts, suppressed: per statement and team,
the perception gaps, the alignment score, and what the cockpit reads (largest gaps).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .measures import (
    LIKERT_MAX,
    LIKERT_MIN,
    Counts,
    alignment_score,
    counts_add,
    counts_mean,
    distribution,
    mean,
    perception_gap,
    round_or_none,
)
from .suppression import hidden, hidden_groups, is_hidden


def group_figures(counts: Counts, low: int, high: int) -> dict[str, Any]:
    """A visible group's count, mean (2 decimals) and distribution over the whole scale."""
    return {
        "hidden": False,
        "responses": sum(counts.values()),
        "mean": round_or_none(counts_mean(counts), 2),
        "distribution": {str(v): n for v, n in distribution((), low, high).items()}
        | {str(v): n for v, n in counts.items()},
    }


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


# --- Releases --------------------------------------------------------------------------------


def largest_gaps(
    figures: AlignmentFigures, texts: Mapping[int, str], limit: int
) -> list[dict[str, Any]]:
    """The `limit` statements with the largest perception gaps, largest first (ties in
    statement order); statements whose gap is suppressed are left out. Unrounded."""
    visible = [
        (figure.gap, order, statement_id, figure)
        for order, (statement_id, figure) in enumerate(figures.statements.items())
        if figure.gap is not None
    ]
    visible.sort(key=lambda row: (-row[0], row[1]))
    return [
        {
            "statement_id": statement_id,
            "text": texts.get(statement_id, ""),
            "marketing_mean": figure.marketing_mean,
            "sales_mean": figure.sales_mean,
            "perception_gap": gap,
        }
        for gap, _order, statement_id, figure in visible[:limit]
    ]
