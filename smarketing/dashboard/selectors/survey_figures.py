"""The survey figures the alignment index and the pages need, per quarter or period.

Interim: the surveys engineer is adding `surveys.selectors` functions for exactly this (the
quarter's latest closed alignment wave with its mean score, mean perception gap and largest gaps,
and the quarter's NPS). Until they are on main this module reads the surveys tables itself, in
grouped queries, and applies the same anonymity rule (`surveys.scoring`); swap the bodies for
those functions when they land, keeping these shapes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery, Sum

from smarketing.accounts.models import Team
from smarketing.core.periods import Period
from smarketing.funnel.models import Lead
from surveys import scoring
from surveys.models import (
    DEFAULT_ANONYMITY_THRESHOLD,
    Answer,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
)

LARGEST_GAPS = 3


def alignment_wave_latest_closed(quarter: Period) -> dict[str, Any] | None:
    """The latest alignment wave closed within `quarter` and its figures, or None.

    `{"survey_id", "title", "closed_on", "responses", "mean_score" (1–5, every answer),
    "mean_perception_gap", "largest_gaps": [{"statement", "marketing_mean", "sales_mean",
    "perception_gap"}], "hidden"}`; figures of a wave below its anonymity threshold are None.
    """
    wave = (
        Survey.objects.filter(
            kind=SurveyKind.ALIGNMENT,
            status=SurveyStatus.CLOSED,
            closed_at__gte=quarter.start,
            closed_at__lt=quarter.end,
        )
        .order_by("-closed_at", "-pk")
        .first()
    )
    return None if wave is None else alignment_wave_figures(wave)


def alignment_wave_figures(wave: Survey) -> dict[str, Any]:
    """One grouped query over the wave's answers: count and sum per statement and team."""
    k = wave.anonymity_threshold
    team_responses = {
        team or "other": n
        for team, n in Response.objects.filter(survey=wave)
        .values_list("team")
        .annotate(n=Count("id"))
        .order_by()
    }
    total = sum(team_responses.values())
    base = {
        "survey_id": wave.pk,
        "title": wave.title,
        "closed_on": wave.closed_at.date().isoformat() if wave.closed_at else None,
        "responses": None if scoring.is_hidden(total, k) else total,
    }
    if scoring.is_hidden(total, k):
        return {
            **base,
            "hidden": True,
            "mean_score": None,
            "mean_perception_gap": None,
            "largest_gaps": [],
        }
    hidden_teams = scoring.hidden_groups(team_responses, k)
    sums: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    texts: dict[int, tuple[int, str]] = {}
    answers = sum_values = 0
    for statement_id, position, text, team, n, value_sum in (
        Answer.objects.filter(response__survey=wave)
        .values_list("statement_id", "statement__position", "statement__text", "response__team")
        .annotate(n=Count("id"), value_sum=Sum("value"))
        .order_by()
    ):
        texts[statement_id] = (position, text)
        sums[statement_id][team or "other"][0] += n
        sums[statement_id][team or "other"][1] += value_sum
        answers += n
        sum_values += value_sum
    gaps: list[dict[str, Any]] = []
    for statement_id, by_team in sums.items():
        means = {
            team: None if team in hidden_teams or not n else total_value / n
            for team, (n, total_value) in by_team.items()
        }
        gap = scoring.perception_gap(means.get(Team.MARKETING), means.get(Team.SALES))
        if gap is not None:
            position, text = texts[statement_id]
            gaps.append(
                {
                    "statement": text,
                    "position": position,
                    "marketing_mean": round(means[Team.MARKETING], 2),  # type: ignore[arg-type]
                    "sales_mean": round(means[Team.SALES], 2),  # type: ignore[arg-type]
                    "perception_gap": gap,
                }
            )
    gaps.sort(key=lambda item: (-item["perception_gap"], item["position"]))
    return {
        **base,
        "hidden": False,
        "mean_score": sum_values / answers if answers else None,
        "mean_perception_gap": scoring.mean([item["perception_gap"] for item in gaps]),
        "largest_gaps": gaps[:LARGEST_GAPS],
    }


def alignment_wave_latest() -> dict[str, Any] | None:
    """The latest closed alignment wave of all (the overview's "latest pulse")."""
    wave = (
        Survey.objects.filter(kind=SurveyKind.ALIGNMENT, status=SurveyStatus.CLOSED)
        .order_by("-closed_at", "-pk")
        .first()
    )
    return None if wave is None else alignment_wave_figures(wave)


def nps_by_period(periods: list[Period]) -> dict[str, dict[str, Any]]:
    """NPS of the customer answers submitted in each period (by label), from one grouped query
    over the days they span: `{"nps", "responses"}`, NPS None below the anonymity threshold
    (the highest threshold among the NPS surveys answered) or without answers."""
    if not periods:
        return {}
    first = min(period.first_day for period in periods)
    end = max(period.end_day for period in periods)
    rows = list(
        Response.objects.filter(
            survey__kind=SurveyKind.NPS, submitted_on__gte=first, submitted_on__lt=end
        )
        .values_list("submitted_on", "score")
        .annotate(n=Count("id"))
        .order_by()
    )
    threshold = (
        Survey.objects.filter(kind=SurveyKind.NPS).aggregate(k=Max("anonymity_threshold"))["k"]
        or DEFAULT_ANONYMITY_THRESHOLD
    )
    result = {}
    for period in periods:
        scores = [
            score
            for day, score, n in rows
            if _within(day, period) and score is not None
            for _ in range(n)
        ]
        hidden = scoring.is_hidden(len(scores), threshold)
        result[period.label] = {
            "nps": None if hidden else scoring.nps(scores),
            "responses": None if hidden else len(scores),
        }
    return result


def _within(day: date, period: Period) -> bool:
    return period.first_day <= day < period.end_day


def nps_by_source(period: Period) -> dict[str, float | None]:
    """NPS of the period's customer answers by the source of the lead they were sent for (one
    grouped query); a source with fewer answers than the threshold gets None."""
    lead_source = Lead.objects.filter(lead_id=OuterRef("lead_id")).values("source")[:1]
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for source, score, n in (
        Response.objects.filter(
            survey__kind=SurveyKind.NPS,
            submitted_on__gte=period.first_day,
            submitted_on__lt=period.end_day,
        )
        .exclude(lead_id="")
        .annotate(source=Subquery(lead_source))
        .values_list("source", "score")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if source is not None and score is not None:
            counts[source][score] = counts[source].get(score, 0) + n
    hidden = (
        scoring.hidden_groups(
            {source: sum(c.values()) for source, c in counts.items()}, DEFAULT_ANONYMITY_THRESHOLD
        )
        if counts
        else set()
    )
    return {
        source: None if source in hidden else scoring.nps(scoring.counts_expand(c))
        for source, c in counts.items()
    }
