"""Answering a survey: personal links (one answer each) and public links (NPS/CSAT)."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import tokens
from ..models import Answer, Invitee, Response, Survey, SurveyKind, SurveyStatus
from .common import today
from .releasing import survey_results_release

MAX_COMMENT_CHARS = 2000


class SurveyLinkError(Exception):
    """A personal link that cannot be answered: `state` is "not_found", "used" or "closed"."""

    def __init__(self, state: str, survey: "Survey | None" = None):
        super().__init__(state)
        self.state = state
        self.survey = survey  # known for a used or closed link: its page names the survey


def is_answerable(survey: Survey) -> bool:
    if survey.status != SurveyStatus.OPEN:
        return False
    return survey.closes_at is None or survey.closes_at > timezone.now()


def invitee_for_token(token: str) -> Invitee:
    """The invitee of a personal link, or SurveyLinkError saying why it cannot be answered."""
    invitee = (
        Invitee.objects.select_related("survey").filter(token_hash=tokens.token_hash(token)).first()
    )
    if invitee is None:
        raise SurveyLinkError("not_found")
    if not is_answerable(invitee.survey):
        raise SurveyLinkError("closed", invitee.survey)
    if invitee.responded:
        raise SurveyLinkError("used", invitee.survey)
    return invitee


def comment_clean(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError(f"Comments are limited to {MAX_COMMENT_CHARS} characters.")
    return comment


def score_clean(survey: Survey, score: int | None) -> int:
    """A customer survey's score: a whole number on its scale (0–10 NPS, 1–5 CSAT)."""
    low, high = survey.scale
    if score is None or isinstance(score, bool) or not isinstance(score, int):
        raise ValidationError(f"Choose a score from {low} to {high}.")
    if not low <= score <= high:
        raise ValidationError(f"Choose a score from {low} to {high}.")
    return score


def _response_store(
    *,
    survey: Survey,
    team: str = "",
    lead_id: str = "",
    values: Mapping[int, int] | None = None,
    comments: Mapping[int, str] | None = None,
    score: int | None = None,
    comment: str = "",
) -> Response:
    if survey.kind == SurveyKind.ALIGNMENT:
        statements = list(survey.statements.all())
        values = values or {}
        comments = comments or {}
        missing = [s.position for s in statements if values.get(s.pk) not in range(1, 6)]
        if missing:
            raise ValidationError("Answer every statement with a value from 1 to 5.")
        cleaned = {s.pk: comment_clean(comments.get(s.pk, "")) for s in statements}
        response = Response.objects.create(survey=survey, team=team, submitted_on=today())
        Answer.objects.bulk_create(
            Answer(response=response, statement=s, value=values[s.pk], comment=cleaned[s.pk])
            for s in statements
        )
        return response
    return Response.objects.create(
        survey=survey,
        score=score_clean(survey, score),
        comment=comment_clean(comment),
        lead_id=lead_id,
        submitted_on=today(),
    )


def survey_response_submit(
    *,
    token: str,
    values: Mapping[int, int] | None = None,
    comments: Mapping[int, str] | None = None,
    score: int | None = None,
    comment: str = "",
) -> Response:
    """Answer through a personal link: stores exactly one response per link, even concurrently.

    The answer carries the invitee's team (alignment) or lead id (customer surveys), never who
    answered; the invitee row only learns that it has answered.
    """
    with transaction.atomic():
        invitee = invitee_for_token(token)
        # The conditional UPDATE is the single-use guard: concurrent submissions wait on the row
        # lock and then find `responded` already true, so only one of them stores an answer.
        claimed = Invitee.objects.filter(pk=invitee.pk, responded=False).update(responded=True)
        if not claimed:
            raise SurveyLinkError("used")
        response = _response_store(
            survey=invitee.survey,
            team=invitee.team if invitee.survey.kind == SurveyKind.ALIGNMENT else "",
            lead_id=invitee.lead_id if invitee.survey.is_customer_survey else "",
            values=values,
            comments=comments,
            score=score,
            comment=comment,
        )
        survey_results_release(survey=invitee.survey)
        return response


def survey_public_response_submit(
    *, survey: Survey, score: int | None, comment: str = ""
) -> Response:
    """Answer an NPS/CSAT survey through its public link (no account, nothing about the person)."""
    if not (survey.is_customer_survey and survey.public_link_enabled):
        raise SurveyLinkError("not_found")
    if not is_answerable(survey):
        raise SurveyLinkError("closed")
    with transaction.atomic():
        response = _response_store(survey=survey, score=score, comment=comment)
        survey_results_release(survey=survey)
        return response
