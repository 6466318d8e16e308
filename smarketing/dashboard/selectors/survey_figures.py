"""The survey figures the alignment index and the pages need, per quarter or period.

The quarter's latest closed wave and the quarter's NPS come from
`surveys.selectors.alignment_quarter_summary` (already suppressed below the anonymity
threshold); the monthly NPS of the sparklines and NPS by source read released answers only, the
way the surveys' own results do (see docs/surveys.md, "Releases").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import Count, Max

from smarketing.core.periods import Period
from surveys import scoring
from surveys.models import Response, Survey, SurveyKind, SurveyStatus
from surveys.selectors import alignment_quarter_summary

LARGEST_GAPS = 3


def _wave(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The wave part of a summary in the cockpit's shape, or None without a closed wave."""
    wave = summary["wave"]
    if wave is None:
        return None
    return {
        "survey_id": wave["id"],
        "title": wave["title"],
        "closed_on": wave["closed_on"],
        "hidden": summary["mean_score"] is None,
        "mean_score": summary["mean_score"],
        "mean_perception_gap": summary["mean_perception_gap"],
        "largest_gaps": [
            {
                "statement": gap["text"],
                "marketing_mean": gap["marketing_mean"],
                "sales_mean": gap["sales_mean"],
                "perception_gap": gap["perception_gap"],
            }
            for gap in summary["largest_gaps"]
        ],
    }


def quarter_survey_figures(quarter: Period) -> dict[str, Any]:
    """`{"wave": …, "nps": …, "nps_responses": …}` of a quarter: its latest closed alignment
    wave (None without one) and the NPS of the customer answers released in it."""
    summary = alignment_quarter_summary(start=quarter.start, end=quarter.end, gaps=LARGEST_GAPS)
    return {
        "wave": _wave(summary),
        "nps": summary["nps"],
        "nps_responses": summary["nps_responses"] or None,
    }


def alignment_wave_latest() -> dict[str, Any] | None:
    """The latest closed alignment wave of all (the overview's "latest pulse")."""
    closed = (
        Survey.objects.filter(kind=SurveyKind.ALIGNMENT, status=SurveyStatus.CLOSED)
        .exclude(closed_at=None)
        .order_by("-closed_at", "-pk")
        .values_list("closed_at", flat=True)
        .first()
    )
    if closed is None:
        return None
    summary = alignment_quarter_summary(
        start=closed, end=closed + timedelta(days=1), gaps=LARGEST_GAPS
    )
    return _wave(summary)


def _released(periods: list[Period]):
    first = min(period.first_day for period in periods)
    end = max(period.end_day for period in periods)
    return Response.objects.filter(
        survey__kind=SurveyKind.NPS,
        release__released_on__gte=first,
        release__released_on__lt=end,
    )


def _threshold() -> int:
    largest = Survey.objects.filter(kind=SurveyKind.NPS).aggregate(k=Max("anonymity_threshold"))
    return max(largest["k"] or 0, scoring.MIN_ANONYMITY_THRESHOLD)


def nps_by_period(periods: list[Period]) -> dict[str, float | None]:
    """NPS of the customer answers released in each period (by label), from one grouped query;
    None without answers or below the anonymity threshold."""
    if not periods:
        return {}
    rows = list(
        _released(periods)
        .values_list("release__released_on", "score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    threshold = _threshold()
    result = {}
    for period in periods:
        counts: dict[int, int] = defaultdict(int)
        for day, score, n in rows:
            if score is not None and period.first_day <= day < period.end_day:
                counts[score] += n
        result[period.label] = scoring.nps_of_counts(counts, threshold)
    return result


def nps_by_source(period: Period) -> dict[str, float | None]:
    """NPS of the period's released customer answers by the lead source frozen at release; a
    source below the threshold (or that would reveal one, complementary suppression) is None."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for source, score, n in (
        _released([period]).values_list("source_group", "score").annotate(n=Count("pk")).order_by()
    ):
        if score is not None:
            counts[source][score] = counts[source].get(score, 0) + n
    if not counts:
        return {}
    threshold = _threshold()
    hidden = scoring.hidden_groups(
        {source: sum(c.values()) for source, c in counts.items()}, threshold
    )
    return {
        source: None if source in hidden else scoring.nps_of_counts(c, threshold)
        for source, c in counts.items()
    }
