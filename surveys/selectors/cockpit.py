"""What the alignment cockpit reads of the surveys: a quarter's wave, gaps and NPS."""

from datetime import date, datetime
from typing import Any

from django.db.models import Count

from smarketing.configuration.selectors import workspace_time_zone

from .. import scoring
from ..models import Response, Statement, Survey, SurveyKind, SurveyStatus
from .alignment import alignment_counts, wave_figures
from .days import workspace_day, workspace_midnight


def alignment_quarter_summary(
    *, start: date | datetime, end: date | datetime, gaps: int = 3
) -> dict[str, Any]:
    """What the alignment cockpit shows for the quarter [start, end), already suppressed.

    - `wave`: the quarter's latest closed alignment wave, the one that closed last within
      [start, end) ({"id", "title", "closed_on"}), or None;
    - `mean_score`: its mean over every answer, 1–5 (SPEC 5: the survey component is
      (mean − 1) ÷ 4 × 100), None when the wave is hidden below its threshold;
    - `mean_perception_gap`: the mean gap over its statements where both teams pass the
      threshold (SPEC 5: perception agreement = 100 − 25 × it), None without any;
    - `largest_gaps`: up to `gaps` statements, largest gap first: {"statement_id", "text",
      "marketing_mean", "sales_mean", "perception_gap"}; suppressed ones left out;
    - `nps` and `nps_responses`: the NPS of the customer answers of NPS surveys released in
      the quarter, None (and 0 answers shown) when there are none or fewer than the largest
      threshold among those surveys.

    Figures are unrounded (the cockpit rounds at output). `start` and `end` may be dates or
    datetimes (taken as days in the workspace's time zone); answers count by the day they
    were released into results, so the figure changes only by whole releases.
    """
    zone = workspace_time_zone()  # read once: the cockpit asks for seven quarters a page
    first, last = workspace_day(start, zone), workspace_day(end, zone)
    wave = (
        Survey.objects.filter(
            kind=SurveyKind.ALIGNMENT,
            status=SurveyStatus.CLOSED,
            closed_at__gte=workspace_midnight(first, zone),
            closed_at__lt=workspace_midnight(last, zone),
        )
        .order_by("-closed_at", "-pk")
        .first()
    )
    summary: dict[str, Any] = {
        "wave": None,
        "mean_score": None,
        "mean_perception_gap": None,
        "largest_gaps": [],
    }
    if wave is not None and wave.closed_at is not None:
        texts = dict(Statement.objects.filter(survey=wave).values_list("pk", "text"))
        figures = wave_figures(wave, alignment_counts([wave.pk]).get(wave.pk, {}), list(texts))
        summary = {
            "wave": {
                "id": wave.pk,
                "title": wave.title,
                "closed_on": workspace_day(wave.closed_at, zone).isoformat(),
            },
            "mean_score": figures.answers_mean,
            "mean_perception_gap": figures.mean_gap,
            "largest_gaps": scoring.largest_gaps(figures, texts, gaps),
        }
    counts: dict[int, int] = {}
    threshold = 0
    for score, survey_threshold, n in (
        Response.objects.filter(
            survey__kind=SurveyKind.NPS,
            release__released_on__gte=first,
            release__released_on__lt=last,
        )
        .values_list("score", "survey__anonymity_threshold")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[score] = counts.get(score, 0) + n
        threshold = max(threshold, survey_threshold)
    nps = scoring.nps_of_counts(counts, max(threshold, scoring.MIN_ANONYMITY_THRESHOLD))
    return summary | {"nps": nps, "nps_responses": 0 if nps is None else sum(counts.values())}
