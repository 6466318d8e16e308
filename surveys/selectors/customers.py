"""Customer results (NPS, CSAT): overall, distribution, trend by release month, comments,
and the measure by lead source, campaign and owner from whole quarters' cells."""

from typing import Any

from django.db.models import Count

from .. import scoring
from ..models import NO_LEAD_GROUP, NO_VALUE_GROUP, Response, Survey, SurveyKind, SurveyStatus
from ..services.releasing import utc_today
from .surveys import participation, release_status, survey_summary

NO_LEAD = NO_LEAD_GROUP
NO_VALUE = NO_VALUE_GROUP


def _customer_counts(survey: Survey) -> list[scoring.CustomerCount]:
    """One query: released answers counted per release month, score and frozen lead groups."""
    rows = (
        Response.objects.filter(survey=survey, release__isnull=False)
        .values_list(
            "release__released_on", "score", "source_group", "campaign_group", "owner_group"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        scoring.CustomerCount(
            month=day.strftime("%Y-%m"),
            score=score,
            source=source or NO_LEAD,
            campaign=campaign or NO_LEAD,
            owner=owner or NO_LEAD,
            n=n,
        )
        for day, score, source, campaign, owner, n in rows
    ]


def customer_results(survey: Survey) -> dict[str, Any]:
    """NPS (with promoter/passive/detractor shares) or CSAT, distribution, trend by release
    month, comments, and the same measure by lead source, campaign and owner; suppressed."""
    measure = "nps" if survey.kind == SurveyKind.NPS else "csat"
    figures = scoring.customer_figures(
        _customer_counts(survey),
        measure=measure,
        scale=survey.scale,
        threshold=survey.anonymity_threshold,
        open_month=None if survey.status == SurveyStatus.CLOSED else utc_today().strftime("%Y-%m"),
    )
    comments = None
    if not figures["overall"]["hidden"]:
        comments = [
            {"score": score, "comment": comment}
            for score, comment in Response.objects.filter(survey=survey, release__isnull=False)
            .exclude(comment="")
            .order_by("-score", "comment")
            .values_list("score", "comment")
        ]
    return {
        "survey": survey_summary(survey),
        "threshold": survey.anonymity_threshold,
        "participation": participation(survey),
        "release": release_status(survey),
        "measure": measure,
        **figures,
        "comments": comments,
    }
