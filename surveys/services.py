"""Writes of the surveys app: surveys, waves, invitations, reminders and answers."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from smarketing.accounts.models import Team, User
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.core.periods import add_months

from . import scoring, tokens
from .models import (
    RECURRENCE_MONTHS,
    Answer,
    Invitee,
    Recurrence,
    Response,
    Statement,
    Survey,
    SurveyKind,
    SurveySchedule,
    SurveyStatus,
)
from .question_bank import DEFAULT_CSAT_QUESTION, DEFAULT_NPS_QUESTION, QUESTION_BANK_BY_KEY

MAX_COMMENT_CHARS = 2000
MAX_CUSTOMERS_PER_UPLOAD = 5000


class SurveyLinkError(Exception):
    """A personal link that cannot be answered: `state` is "not_found", "used" or "closed"."""

    def __init__(self, state: str, survey: "Survey | None" = None):
        super().__init__(state)
        self.state = state
        self.survey = survey  # known for a used or closed link: its page names the survey


def today() -> date:
    """The day in the workspace's time zone: the finest time kept about an answer."""
    return timezone.now().astimezone(workspace_time_zone()).date()


def _require_admin(user: User | None) -> None:
    if user is not None and not user.is_workspace_admin:
        raise ValidationError("Only workspace admins can manage surveys.")


def _threshold_clean(value: int) -> int:
    try:
        return scoring.threshold_validate(value)
    except ValueError as error:
        raise ValidationError(str(error)) from error


def _reminder_days_clean(days: Iterable[int]) -> list[int]:
    cleaned = sorted(set(days))
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 60 for d in cleaned):
        raise ValidationError("Reminder days must be whole numbers between 1 and 60.")
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


def _survey_fields_clean(
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
        "anonymity_threshold": _threshold_clean(anonymity_threshold),
        "reminder_days": _reminder_days_clean(reminder_days),
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
    anonymity_threshold: int = 5,
    reminder_days: Iterable[int] = (3, 5),
    public_link_enabled: bool = False,
    site_url: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    schedule: SurveySchedule | None = None,
) -> Survey:
    """A draft survey (or a scheduled one when `opens_at` is in the future)."""
    _require_admin(created_by)
    fields = _survey_fields_clean(
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
    _require_admin(changed_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if anonymity_threshold is not None and anonymity_threshold != survey.anonymity_threshold:
            if survey.status in (SurveyStatus.OPEN, SurveyStatus.CLOSED):
                raise ValidationError(
                    "The anonymity threshold is locked once the survey has opened."
                )
            survey.anonymity_threshold = _threshold_clean(anonymity_threshold)
        if title is not None:
            if not title.strip():
                raise ValidationError("A survey needs a title.")
            survey.title = title.strip()
        if reminder_days is not None:
            survey.reminder_days = _reminder_days_clean(reminder_days)
        if closes_at is not None:
            survey.closes_at = closes_at
        if public_link_enabled is not None:
            if public_link_enabled and not survey.is_customer_survey:
                raise ValidationError("Alignment surveys are answered through personal links only.")
            survey.public_link_enabled = public_link_enabled
        survey.save()
    return survey


def invitee_build(*, survey: Survey, email: str, **fields) -> Invitee:
    """An unsaved invitee with a fresh nonce and the hash of its link's token."""
    nonce = tokens.nonce_new()
    token = tokens.invitee_token(survey_id=survey.pk, nonce=nonce)
    return Invitee(
        survey=survey, email=email, nonce=nonce, token_hash=tokens.token_hash(token), **fields
    )


def _alignment_invitees_create(survey: Survey) -> None:
    people = User.objects.filter(is_active=True).exclude(email="")
    people = people.filter(team__in=survey.invite_teams) | people.filter(
        pk__in=survey.invite_user_ids
    )
    Invitee.objects.bulk_create(
        [
            invitee_build(survey=survey, email=person.email, user=person, team=person.team)
            for person in people.distinct().order_by("pk")
        ],
        ignore_conflicts=True,
    )


def survey_open(*, survey: Survey, opened_by: User | None = None) -> Survey:
    """Open a draft or scheduled survey: invite people and email their links (after commit)."""
    _require_admin(opened_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status not in (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED):
            raise ValidationError("Only a draft or scheduled survey can be opened.")
        survey.status = SurveyStatus.OPEN
        survey.opened_at = timezone.now()
        survey.save(update_fields=["status", "opened_at"])
        if survey.kind == SurveyKind.ALIGNMENT:
            _alignment_invitees_create(survey)
        _invitations_enqueue(survey)
    return survey


def _invitations_enqueue(survey: Survey) -> None:
    from .tasks import survey_invitations_send_task

    survey_id = survey.pk
    transaction.on_commit(lambda: survey_invitations_send_task.delay(survey_id))


def survey_close(*, survey: Survey, closed_by: User | None = None) -> Survey:
    _require_admin(closed_by)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status == SurveyStatus.CLOSED:
            return survey
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at"])
    return survey


def survey_customers_add(
    *, survey: Survey, added_by: User | None, customers: Sequence[Mapping[str, str]]
) -> int:
    """Add customers (email, optional lead id) to an NPS/CSAT survey; returns how many are new.

    When the survey is open their personal links go out right away (after commit).
    """
    _require_admin(added_by)
    if not survey.is_customer_survey:
        raise ValidationError("Customer lists are for NPS and CSAT surveys.")
    if survey.status == SurveyStatus.CLOSED:
        raise ValidationError("This survey is closed.")
    if len(customers) > MAX_CUSTOMERS_PER_UPLOAD:
        raise ValidationError(f"At most {MAX_CUSTOMERS_PER_UPLOAD} customers per upload.")
    rows: dict[str, str] = {}
    problems = []
    for number, customer in enumerate(customers, start=1):
        email = (customer.get("email") or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"row {number}: not an email address: {email!r}")
            continue
        rows[email] = (customer.get("lead_id") or "").strip()
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        existing = set(
            Invitee.objects.filter(survey=survey, email__in=rows).values_list("email", flat=True)
        )
        created = Invitee.objects.bulk_create(
            [
                invitee_build(survey=survey, email=email, lead_id=lead_id)
                for email, lead_id in rows.items()
                if email not in existing
            ]
        )
        if created and survey.status == SurveyStatus.OPEN:
            _invitations_enqueue(survey)
    return len(created)


def _is_answerable(survey: Survey) -> bool:
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
    if not _is_answerable(invitee.survey):
        raise SurveyLinkError("closed", invitee.survey)
    if invitee.responded:
        raise SurveyLinkError("used", invitee.survey)
    return invitee


def _comment_clean(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError(f"Comments are limited to {MAX_COMMENT_CHARS} characters.")
    return comment


def _score_clean(survey: Survey, score: int | None) -> int:
    low, high = survey.scale
    if score is None or isinstance(score, bool) or not low <= score <= high:
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
        cleaned = {s.pk: _comment_clean(comments.get(s.pk, "")) for s in statements}
        response = Response.objects.create(survey=survey, team=team, submitted_on=today())
        Answer.objects.bulk_create(
            Answer(response=response, statement=s, value=values[s.pk], comment=cleaned[s.pk])
            for s in statements
        )
        return response
    return Response.objects.create(
        survey=survey,
        score=_score_clean(survey, score),
        comment=_comment_clean(comment),
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
        return _response_store(
            survey=invitee.survey,
            team=invitee.team if invitee.survey.kind == SurveyKind.ALIGNMENT else "",
            lead_id=invitee.lead_id if invitee.survey.is_customer_survey else "",
            values=values,
            comments=comments,
            score=score,
            comment=comment,
        )


def survey_public_response_submit(
    *, survey: Survey, score: int | None, comment: str = ""
) -> Response:
    """Answer an NPS/CSAT survey through its public link (no account, nothing about the person)."""
    if not (survey.is_customer_survey and survey.public_link_enabled):
        raise SurveyLinkError("not_found")
    if not _is_answerable(survey):
        raise SurveyLinkError("closed")
    with transaction.atomic():
        return _response_store(survey=survey, score=score, comment=comment)


def survey_link(survey: Survey, invitee: Invitee) -> str:
    token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
    return _site_url(survey) + reverse("surveys:answer", args=[token])


def _site_url(survey: Survey) -> str:
    if survey.site_url:
        return survey.site_url
    # By schema name: inside schema_context (tasks, commands) the tenant is a stand-in.
    from tenants.models import Domain

    schema = connection.schema_name  # type: ignore[attr-defined]
    domain = Domain.objects.filter(tenant__schema_name=schema, is_primary=True).first()
    return f"http://{domain.domain}" if domain is not None else ""


def _mail(survey: Survey, invitee: Invitee, *, reminder: bool) -> None:
    link = survey_link(survey, invitee)
    if survey.kind == SurveyKind.ALIGNMENT:
        body = (
            f"{'Reminder: please' if reminder else 'Please'} take two minutes for the pulse survey "
            f'"{survey.title}".\n\nYour personal link: {link}\n\n'
            "Your answers are anonymous: they are stored without your name or email, and results "
            f"are shown only for groups of at least {survey.anonymity_threshold} people."
        )
    else:
        body = f"{survey.question}\n\nAnswer in a few seconds: {link}"
    send_mail(
        subject=("Reminder: " if reminder else "") + survey.title,
        message=body,
        from_email=None,
        recipient_list=[invitee.email],
    )


def survey_invitations_send(*, survey_id: int) -> int:
    """Email each invitee of an open survey its personal link, once. Returns how many went out."""
    survey = Survey.objects.filter(pk=survey_id, status=SurveyStatus.OPEN).first()
    if survey is None:
        return 0
    sent = 0
    pending = Invitee.objects.filter(survey=survey, invitation_sent_on=None)
    for invitee_id in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            # skip_locked: two workers never email the same person.
            invitee = (
                Invitee.objects.select_for_update(skip_locked=True)
                .filter(pk=invitee_id, invitation_sent_on=None)
                .first()
            )
            if invitee is None:
                continue
            _mail(survey, invitee, reminder=False)
            invitee.invitation_sent_on = today()
            invitee.save(update_fields=["invitation_sent_on"])
            sent += 1
    return sent


def survey_reminders_send(*, now: datetime | None = None) -> int:
    """Remind invitees who have not answered, once per reminder day that has passed.

    Reminder i goes out when `reminder_days[i]` days have passed since the person was invited:
    since the survey opened, or since the day their invitation went out if that was later (a
    customer added on day 10 is reminded on days 13 and 15, not at once). A reminder that was
    missed (the worker was down) is not sent late on top of a newer one.
    """
    now = now or timezone.now()
    zone = workspace_time_zone()
    sent = 0
    open_surveys = Survey.objects.filter(status=SurveyStatus.OPEN, opened_at__isnull=False)
    for survey in open_surveys:
        opened_at = survey.opened_at
        if opened_at is None or (survey.closes_at and survey.closes_at <= now):
            continue
        candidates = Invitee.objects.filter(
            survey=survey,
            responded=False,
            reminders_sent__lt=len(survey.reminder_days),
            invitation_sent_on__isnull=False,
        )
        for invitee_id, sent_on in list(candidates.values_list("pk", "invitation_sent_on")):
            if sent_on is None:
                continue
            invited_at = max(opened_at, datetime.combine(sent_on, time.min, tzinfo=zone))
            due = len(
                [days for days in survey.reminder_days if invited_at + timedelta(days=days) <= now]
            )
            if not due:
                continue
            with transaction.atomic():
                invitee = (
                    Invitee.objects.select_for_update(skip_locked=True)
                    .filter(pk=invitee_id, responded=False, reminders_sent__lt=due)
                    .first()
                )
                if invitee is None:
                    continue
                _mail(survey, invitee, reminder=True)
                invitee.reminders_sent = due
                invitee.save(update_fields=["reminders_sent"])
                sent += 1
    return sent


def survey_schedule_create(
    *,
    created_by: User | None,
    recurrence: str,
    first_run_at: datetime | None = None,
    wave_days: int = 14,
    site_url: str = "",
    **survey_fields,
) -> SurveySchedule:
    """A recurring survey; its first wave opens at `first_run_at` (now when not given).

    `survey_fields` are survey_create's kind, title, question, statements, invite_teams,
    invite_user_ids, anonymity_threshold and reminder_days, validated the same way.
    """
    _require_admin(created_by)
    if recurrence not in RECURRENCE_MONTHS:
        raise ValidationError("Unknown recurrence.")
    if not 1 <= wave_days <= 90:
        raise ValidationError("A wave stays open between 1 and 90 days.")
    fields = _survey_fields_clean(
        question=survey_fields.pop("question", ""),
        statements=survey_fields.pop("statements", ()),
        invite_teams=survey_fields.pop("invite_teams", ()),
        invite_user_ids=survey_fields.pop("invite_user_ids", ()),
        anonymity_threshold=survey_fields.pop("anonymity_threshold", 5),
        reminder_days=survey_fields.pop("reminder_days", (3, 5)),
        **survey_fields,
    )
    schedule = SurveySchedule.objects.create(
        **fields,
        recurrence=recurrence,
        wave_days=wave_days,
        next_run_at=first_run_at or timezone.now(),
        site_url=site_url.rstrip("/"),
        created_by=created_by,
    )
    if schedule.next_run_at <= timezone.now():
        survey_schedules_run()
    return schedule


def _wave_title(title: str, recurrence: str, moment: datetime) -> str:
    """The wave's name says its period: 2026-05, 2026-Q2, 2026-H1 or 2026."""
    period = {
        Recurrence.MONTHLY: f"{moment.year}-{moment.month:02d}",
        Recurrence.QUARTERLY: f"{moment.year}-Q{(moment.month - 1) // 3 + 1}",
        Recurrence.SEMIANNUAL: f"{moment.year}-H{(moment.month - 1) // 6 + 1}",
    }.get(Recurrence(recurrence), str(moment.year))
    return f"{title} · {period}"


def survey_schedules_run(*, now: datetime | None = None) -> dict[str, int]:
    """Beat's work in a workspace: open due waves and scheduled surveys, close expired ones."""
    now = now or timezone.now()
    opened = closed = 0
    for schedule_id in SurveySchedule.objects.filter(
        is_active=True, next_run_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = (
                SurveySchedule.objects.select_for_update(skip_locked=True)
                .filter(pk=schedule_id, next_run_at__lte=now)
                .first()
            )
            if schedule is None:
                continue
            wave = survey_create(
                created_by=None,
                kind=schedule.kind,
                title=_wave_title(schedule.title, schedule.recurrence, schedule.next_run_at),
                question=schedule.question,
                statements=schedule.statements,
                invite_teams=schedule.invite_teams,
                invite_user_ids=schedule.invite_user_ids,
                anonymity_threshold=schedule.anonymity_threshold,
                reminder_days=schedule.reminder_days,
                site_url=schedule.site_url,
                closes_at=now + timedelta(days=schedule.wave_days),
                schedule=schedule,
            )
            survey_open(survey=wave)
            opened += 1
            months = RECURRENCE_MONTHS[Recurrence(schedule.recurrence)]
            next_run = add_months(schedule.next_run_at, months)
            while next_run <= now:  # after a long outage, skip the waves that were missed
                next_run = add_months(next_run, months)
            schedule.next_run_at = next_run
            schedule.save(update_fields=["next_run_at"])
    for survey in Survey.objects.filter(status=SurveyStatus.SCHEDULED, opens_at__lte=now):
        survey_open(survey=survey)
        opened += 1
    for survey in Survey.objects.filter(status=SurveyStatus.OPEN, closes_at__lte=now):
        survey_close(survey=survey)
        closed += 1
    return {"opened": opened, "closed": closed}
