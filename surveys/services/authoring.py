"""Authoring: validating, creating, launching, changing, opening and closing surveys."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from smarketing.accounts.models import Team, User
from smarketing.core.errors import StateConflict

from .. import scoring
from ..models import (
    DEFAULT_ANONYMITY_THRESHOLD,
    Statement,
    Survey,
    SurveyKind,
    SurveySchedule,
    SurveyStatus,
)
from ..question_bank import DEFAULT_CSAT_QUESTION, DEFAULT_NPS_QUESTION, QUESTION_BANK_BY_KEY
from .common import require_admin
from .releasing import survey_results_release
from .sending import alignment_invitees_create, invitations_enqueue


def threshold_clean(value: int) -> int:
    try:
        return scoring.threshold_validate(value)
    except ValueError as error:
        raise ValidationError(str(error)) from error


MAX_REMINDER_DAY = 60
MAX_REMINDERS = 20


def reminder_days_clean(days: Iterable[int]) -> list[int]:
    """Days after the invitation on which non-respondents are reminded: distinct, sorted."""
    days = list(days)
    if any(
        isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_REMINDER_DAY
        for d in days
    ):
        raise ValidationError(
            f"Reminder days must be whole numbers between 1 and {MAX_REMINDER_DAY}."
        )
    cleaned = sorted(set(days))
    if len(cleaned) > MAX_REMINDERS:
        raise ValidationError(f"At most {MAX_REMINDERS} reminders.")
    return cleaned


def _teams_clean(teams: Iterable[str]) -> list[str]:
    cleaned = sorted(set(teams))
    if any(team not in Team.values for team in cleaned):
        raise ValidationError("Unknown team.")
    return cleaned


def statements_from(
    *, bank_keys: Sequence[str] = (), custom_statements: Sequence[str] = ()
) -> list[dict[str, str]]:
    """Question-bank statements (by key) followed by custom ones, as {topic, text}."""
    unknown = [key for key in bank_keys if key not in QUESTION_BANK_BY_KEY]
    if unknown:
        raise ValidationError(f"Unknown question bank statements: {', '.join(unknown)}.")
    chosen = [
        {"topic": QUESTION_BANK_BY_KEY[key]["topic"], "text": QUESTION_BANK_BY_KEY[key]["text"]}
        for key in bank_keys
    ]
    chosen += [
        {"topic": "Custom", "text": text.strip()} for text in custom_statements if text.strip()
    ]
    return chosen


def survey_fields_clean(
    *,
    kind: str,
    title: str,
    question: str,
    statements: Sequence[Mapping[str, str]],
    invite_teams: Iterable[str],
    invite_user_ids: Iterable[int],
    anonymity_threshold: int,
    reminder_days: Iterable[int],
    public_link_enabled: bool = False,
) -> dict:
    """The validated fields a survey (or a recurring schedule of waves) is made of."""
    if kind not in SurveyKind.values:
        raise ValidationError("Unknown survey kind.")
    if not title.strip():
        raise ValidationError("A survey needs a title.")
    if kind == SurveyKind.ALIGNMENT and not statements:
        raise ValidationError("Choose at least one statement.")
    if kind != SurveyKind.ALIGNMENT and statements:
        raise ValidationError("NPS and CSAT surveys ask one question, not statements.")
    if kind == SurveyKind.ALIGNMENT and public_link_enabled:
        raise ValidationError("Alignment surveys are answered through personal links only.")
    if any(not str(item.get("text", "")).strip() for item in statements):
        raise ValidationError("A statement cannot be empty.")
    if not question.strip():
        question = {
            SurveyKind.NPS: DEFAULT_NPS_QUESTION,
            SurveyKind.CSAT: DEFAULT_CSAT_QUESTION,
        }.get(SurveyKind(kind), "")
    user_ids = sorted(set(invite_user_ids))
    if User.objects.filter(pk__in=user_ids).count() != len(user_ids):
        raise ValidationError("Unknown people among the invitees.")
    return {
        "kind": kind,
        "title": title.strip(),
        "question": question.strip(),
        "statements": [
            {"topic": str(item.get("topic") or "Custom")[:40], "text": str(item["text"]).strip()}
            for item in statements
        ],
        "invite_teams": _teams_clean(invite_teams),
        "invite_user_ids": user_ids,
        "anonymity_threshold": threshold_clean(anonymity_threshold),
        "reminder_days": reminder_days_clean(reminder_days),
    }


def survey_create(
    *,
    created_by: User | None,
    kind: str,
    title: str,
    question: str = "",
    statements: Sequence[Mapping[str, str]] = (),
    invite_teams: Iterable[str] = (),
    invite_user_ids: Iterable[int] = (),
    anonymity_threshold: int = DEFAULT_ANONYMITY_THRESHOLD,
    reminder_days: Iterable[int] = (3, 5),
    public_link_enabled: bool = False,
    site_url: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    schedule: SurveySchedule | None = None,
) -> Survey:
    """A draft survey (or a scheduled one when `opens_at` is in the future)."""
    require_admin(created_by)
    fields = survey_fields_clean(
        kind=kind,
        title=title,
        question=question,
        statements=statements,
        invite_teams=invite_teams,
        invite_user_ids=invite_user_ids,
        anonymity_threshold=anonymity_threshold,
        reminder_days=reminder_days,
        public_link_enabled=public_link_enabled,
    )
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError("A survey must close after it opens.")
    chosen_statements = fields.pop("statements")
    scheduled = opens_at is not None and opens_at > timezone.now()
    with transaction.atomic():
        survey = Survey.objects.create(
            **fields,
            public_link_enabled=public_link_enabled,
            site_url=site_url.rstrip("/"),
            opens_at=opens_at,
            closes_at=closes_at,
            schedule=schedule,
            created_by=created_by,
            status=SurveyStatus.SCHEDULED if scheduled else SurveyStatus.DRAFT,
        )
        Statement.objects.bulk_create(
            Statement(survey=survey, position=position, topic=item["topic"], text=item["text"])
            for position, item in enumerate(chosen_statements, start=1)
        )
    return survey


def survey_update(
    *,
    survey: Survey,
    changed_by: User | None,
    title: str | None = None,
    anonymity_threshold: int | None = None,
    reminder_days: Iterable[int] | None = None,
    closes_at: datetime | None = None,
    public_link_enabled: bool | None = None,
) -> Survey:
    """Change a survey's settings. The anonymity threshold is locked once the survey opens."""
    require_admin(changed_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if anonymity_threshold is not None and anonymity_threshold != survey.anonymity_threshold:
            if survey.status in (SurveyStatus.OPEN, SurveyStatus.CLOSED):
                raise StateConflict("The anonymity threshold is locked once the survey has opened.")
            survey.anonymity_threshold = threshold_clean(anonymity_threshold)
        if title is not None:
            if not title.strip():
                raise ValidationError("A survey needs a title.")
            survey.title = title.strip()
        if reminder_days is not None:
            survey.reminder_days = reminder_days_clean(reminder_days)
        if closes_at is not None:
            survey.closes_at = closes_at
        if public_link_enabled is not None:
            if public_link_enabled and not survey.is_customer_survey:
                raise StateConflict("Alignment surveys are answered through personal links only.")
            survey.public_link_enabled = public_link_enabled
        survey.save()
    return survey


def survey_open(*, survey: Survey, opened_by: User | None = None) -> Survey:
    """Open a draft or scheduled survey: invite people and email their links (after commit)."""
    require_admin(opened_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status not in (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED):
            raise StateConflict("Only a draft or scheduled survey can be opened.")
        survey.status = SurveyStatus.OPEN
        survey.opened_at = timezone.now()
        survey.save(update_fields=["status", "opened_at"])
        if survey.kind == SurveyKind.ALIGNMENT:
            alignment_invitees_create(survey)
        invitations_enqueue(survey)
    return survey


def survey_close(*, survey: Survey, closed_by: User | None = None) -> Survey:
    """Close a survey: no more answers, and its pending answers are released (when safe)."""
    require_admin(closed_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status == SurveyStatus.CLOSED:
            return survey
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at"])
        survey_results_release(survey=survey, closing=True)
    return survey
