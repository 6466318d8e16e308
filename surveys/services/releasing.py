"""Releasing answers into results: the steps in which a survey's results may change.

Every output reads released answers only (see `scoring.release_due` for when a release
happens and docs/surveys.md, "Releases", for why). Releasing freezes a customer answer's lead
groups, so a later lead import cannot move a released answer from one group to another.
"""

from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from smarketing.funnel.models import Lead

from .. import scoring
from ..models import (
    NO_LEAD_GROUP,
    NO_VALUE_GROUP,
    Response,
    ResultRelease,
    Survey,
    SurveyKind,
)


def utc_today() -> date:
    """A release's day, in UTC: release months never move with the workspace's time zone."""
    return datetime.now(UTC).date()


def _lead_group(field: str) -> Case:
    lead = Lead.objects.filter(lead_id=OuterRef("lead_id"))
    text = TextField()
    return Case(
        When(~Exists(lead), then=Value(NO_LEAD_GROUP, output_field=text)),
        default=Coalesce(
            NullIf(Subquery(lead.values(field)[:1]), Value("", output_field=text)),
            Value(NO_VALUE_GROUP, output_field=text),
        ),
        output_field=text,
    )


def release_store(
    *, survey: Survey, responses: QuerySet[Response], released_on: date
) -> ResultRelease:
    """Release `responses` (pending answers of `survey`) as its next release.

    The caller holds the survey's row lock (or, like the demo, is alone); `survey_results_release`
    decides whether a release is due.
    """
    number = (survey.releases.aggregate(last=Max("number"))["last"] or 0) + 1
    release = ResultRelease.objects.create(
        survey=survey, number=number, released_on=released_on, responses_count=0
    )
    groups = {}
    if survey.is_customer_survey:
        groups = {f"{field}_group": _lead_group(field) for field in ("source", "campaign", "owner")}
    release.responses_count = responses.filter(release=None).update(release=release, **groups)
    release.save(update_fields=["responses_count"])
    return release


def survey_results_release(*, survey: Survey, closing: bool = False) -> ResultRelease | None:
    """Release the survey's pending answers if a release is due (`scoring.release_due`)."""
    pending = Response.objects.filter(survey_id=survey.pk, release=None)
    if not closing and (
        survey.kind == SurveyKind.ALIGNMENT or pending.count() < survey.anonymity_threshold
    ):
        return None  # the common case of an answer: no lock taken
    with transaction.atomic():
        # The lock serialises releases: each counts and releases what no other one took.
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        due = scoring.release_due(
            is_alignment=survey.kind == SurveyKind.ALIGNMENT,
            pending=pending.count(),
            threshold=survey.anonymity_threshold,
            closing=closing,
            released_before=survey.releases.exists(),
        )
        if not due:
            return None
        return release_store(survey=survey, responses=pending, released_on=utc_today())
