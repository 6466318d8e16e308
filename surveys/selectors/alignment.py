"""Alignment results: a wave's figures per statement and team, and the trend of every wave.

Answers are counted in one grouped query (for the trend, one for every wave) and scored and
suppressed by `scoring.alignment_figures`.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Count

from smarketing.accounts.models import Team
from smarketing.configuration.selectors import workspace_time_zone

from .. import scoring
from ..models import Answer, Invitee, Statement, Survey, SurveyKind, SurveyStatus
from .days import day_text
from .surveys import participation, release_status, survey_summary

TEAMS = [Team.MARKETING.value, Team.SALES.value, Team.LEADERSHIP.value]
NO_TEAM = "other"


def _team_groups(survey: Survey) -> list[str]:
    has_no_team = Invitee.objects.filter(survey=survey, team="").exists()
    return TEAMS + ([NO_TEAM] if has_no_team else [])


def alignment_counts(
    survey_ids: list[int],
) -> dict[int, dict[int, dict[str, dict[int, int]]]]:
    """One query for any number of waves: answers counted per wave, statement, team and value."""
    counts: dict[int, dict[int, dict[str, dict[int, int]]]] = {}
    for survey_id, statement_id, team, value, n in (
        Answer.objects.filter(response__survey_id__in=survey_ids, response__release__isnull=False)
        .values_list("response__survey_id", "statement_id", "response__team", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_team = counts.setdefault(survey_id, {}).setdefault(statement_id, {})
        by_team.setdefault(team or NO_TEAM, {})[value] = n
    return counts


def wave_figures(
    survey: Survey, counts, statement_ids: list[int], teams: list[str] = TEAMS
) -> scoring.AlignmentFigures:
    return scoring.alignment_figures(
        counts,
        statement_ids=statement_ids,
        teams=teams,
        threshold=survey.anonymity_threshold,
        marketing=Team.MARKETING,
        sales=Team.SALES,
    )


def alignment_results(survey: Survey, *, team: str | None = None) -> dict[str, Any]:
    """Participation, per statement mean/distribution per team and overall, ranked perception
    gaps, the alignment score and comments grouped by statement, all suppressed below k.

    `team` narrows the per-team figures to one team; suppression is decided on the whole
    partition first, so no filter can show a group the unfiltered view hides.
    """
    k = survey.anonymity_threshold
    groups = _team_groups(survey)
    statements_list = list(survey.statements.all())
    figures = wave_figures(
        survey,
        alignment_counts([survey.pk]).get(survey.pk, {}),
        [s.pk for s in statements_list],
        groups,
    )

    comments: dict[int, list[str]] = defaultdict(list)
    if not figures.overall_hidden:
        # Alphabetical: the order says nothing about who answered when.
        for statement_id, comment in (
            Answer.objects.filter(response__survey=survey, response__release__isnull=False)
            .exclude(comment="")
            .order_by("statement_id", "comment")
            .values_list("statement_id", "comment")
        ):
            comments[statement_id].append(comment)

    shown_teams = [t for t in groups if team in (None, "", t)]
    statements: list[dict[str, Any]] = []
    for statement in statements_list:
        figure = figures.statements[statement.pk]
        statements.append(
            {
                "id": statement.pk,
                "position": statement.position,
                "topic": statement.topic,
                "text": statement.text,
                "overall": figure.overall,
                "teams": {t: figure.teams[t] for t in shown_teams},
                "perception_gap": scoring.round_or_none(figure.gap, 2),
                "comments": None if figures.overall_hidden else comments.get(statement.pk, []),
            }
        )
    ranked_gaps = sorted(
        (s for s in statements if s["perception_gap"] is not None),
        key=lambda s: (-s["perception_gap"], s["position"]),
    )
    return {
        "survey": survey_summary(survey),
        "threshold": k,
        "participation": participation(survey),
        "release": release_status(survey),
        "groups": {
            "overall": scoring.hidden(k)
            if figures.overall_hidden
            else {"hidden": False, "responses": figures.total},
            **{
                t: scoring.hidden(k)
                if t in figures.hidden_teams
                else {"hidden": False, "responses": figures.team_counts.get(t, 0)}
                for t in shown_teams
            },
        },
        "statements": statements,
        "perception_gaps": [
            {
                "statement_id": s["id"],
                "text": s["text"],
                "perception_gap": s["perception_gap"],
                "marketing_mean": s["teams"].get(Team.MARKETING, {}).get("mean")
                if team in (None, "", Team.MARKETING)
                else None,
                "sales_mean": s["teams"].get(Team.SALES, {}).get("mean")
                if team in (None, "", Team.SALES)
                else None,
            }
            for s in ranked_gaps
        ],
        "alignment_score": scoring.round_or_none(figures.score, 2),
    }


def alignment_trend() -> list[dict[str, Any]]:
    """The alignment score of each opened alignment wave, oldest first: one query for the
    answers of every wave, then `scoring.alignment_figures` per wave."""
    waves = list(
        Survey.objects.filter(
            kind=SurveyKind.ALIGNMENT, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]
        ).order_by("opened_at", "pk")
    )
    counts = alignment_counts([wave.pk for wave in waves])
    statement_ids: dict[int, list[int]] = defaultdict(list)
    for survey_id, statement_id in Statement.objects.filter(survey__in=waves).values_list(
        "survey_id", "pk"
    ):
        statement_ids[survey_id].append(statement_id)
    zone = workspace_time_zone()
    trend = []
    for wave in waves:
        figures = wave_figures(wave, counts.get(wave.pk, {}), statement_ids[wave.pk])
        trend.append(
            {
                "survey_id": wave.pk,
                "title": wave.title,
                "status": wave.status,
                "opened_on": day_text(wave.opened_at, zone),
                "alignment_score": scoring.round_or_none(figures.score, 2),
                "mean_perception_gap": scoring.round_or_none(figures.mean_gap, 2),
                "hidden": figures.overall_hidden,
            }
        )
    return trend
