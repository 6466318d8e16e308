"""Sending: who is invited, their personal links by email, and reminders to those who have not
answered. Mail goes out from Celery tasks, enqueued after the inviting transaction commits."""

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from smarketing.accounts.links import workspace_base_url
from smarketing.accounts.models import User
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.core.errors import StateConflict

from .. import tokens
from ..models import Invitee, Survey, SurveyKind, SurveyStatus
from .common import require_admin, today

MAX_CUSTOMERS_PER_UPLOAD = 5000


def invitee_build(*, survey: Survey, email: str, **fields) -> Invitee:
    """An unsaved invitee with a fresh nonce and the hash of its link's token."""
    nonce = tokens.nonce_new()
    token = tokens.invitee_token(survey_id=survey.pk, nonce=nonce)
    return Invitee(
        survey=survey, email=email, nonce=nonce, token_hash=tokens.token_hash(token), **fields
    )


def alignment_invitees_create(survey: Survey) -> None:
    """Invite the active people of the survey's teams and its chosen people (once each)."""
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


def invitations_enqueue(survey: Survey) -> None:
    """Email the survey's pending invitations once the current transaction commits."""
    from ..tasks import survey_invitations_send_task

    survey_id = survey.pk
    transaction.on_commit(lambda: survey_invitations_send_task.delay(survey_id))


def survey_customers_add(
    *, survey: Survey, added_by: User | None, customers: Sequence[Mapping[str, str]]
) -> int:
    """Add customers (email, optional lead id) to an NPS/CSAT survey; returns how many are new.

    When the survey is open their personal links go out right away (after commit).
    """
    require_admin(added_by)
    if not survey.is_customer_survey:
        raise StateConflict("Customer lists are for NPS and CSAT surveys.")
    if survey.status == SurveyStatus.CLOSED:
        raise StateConflict("This survey is closed.")
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
            invitations_enqueue(survey)
    return len(created)


def survey_link(survey: Survey, invitee: Invitee) -> str:
    token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
    return _site_url(survey) + reverse("surveys:answer", args=[token])


def _site_url(survey: Survey) -> str:
    """Where links in survey emails and reminders point: the workspace's primary domain with
    the configured scheme and port (accounts.links), never a host stored from a request."""
    return workspace_base_url()


def _mail(survey: Survey, invitee: Invitee, *, reminder: bool) -> None:
    link = survey_link(survey, invitee)
    if survey.kind == SurveyKind.ALIGNMENT:
        body = (
            f"{'Reminder: please' if reminder else 'Please'} take two minutes for the pulse survey "
            f'"{survey.title}".\n\nYour personal link: {link}\n\n'
            "Your answers are anonymous: they are stored without your name or email, and results "
            "are shown when the survey closes, only for groups of at least "
            f"{survey.anonymity_threshold} people."
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


def survey_invitees_add(*, survey: Survey, added_by: User | None, user_ids: Sequence[int]) -> int:
    """Invite more people to an open pulse (members who joined after it opened, say); returns
    how many are new. Their links go out after commit, and they are reminded like the others."""
    require_admin(added_by)
    if survey.kind != SurveyKind.ALIGNMENT:
        raise StateConflict("Customers are added to NPS and CSAT surveys with a customer list.")
    if survey.status != SurveyStatus.OPEN:
        raise StateConflict("People can be added to an open pulse only.")
    wanted = sorted(set(user_ids))
    if not wanted:
        raise ValidationError("Choose the people to invite.")
    people = list(User.objects.filter(pk__in=wanted, is_active=True).exclude(email=""))
    if len(people) != len(wanted):
        raise ValidationError("Unknown or inactive people among the invitees.")
    with transaction.atomic():
        invited = set(
            Invitee.objects.filter(survey=survey, email__in=[p.email for p in people]).values_list(
                "email", flat=True
            )
        )
        created = Invitee.objects.bulk_create(
            invitee_build(survey=survey, email=person.email, user=person, team=person.team)
            for person in people
            if person.email not in invited
        )
        if created:
            invitations_enqueue(survey)
    return len(created)
