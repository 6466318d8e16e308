"""A survey and who is asked: summaries, schedules, participation, releases, invitees."""

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from smarketing.accounts.models import User
from smarketing.configuration.selectors import workspace_time_zone

from .. import scoring, tokens
from ..models import Invitee, Response, Survey, SurveyKind, SurveySchedule, SurveyStatus
from .days import day_text, workspace_day

hidden_note = scoring.hidden_note


def survey_list() -> QuerySet[Survey]:
    return Survey.objects.order_by("-created_at", "-pk")


def survey_get(survey_id: int) -> Survey | None:
    return Survey.objects.filter(pk=survey_id).first()


def survey_by_public_id(public_id: str) -> Survey | None:
    return Survey.objects.filter(public_id=public_id).first()


def survey_summary(survey: Survey, *, time_zone: ZoneInfo | None = None) -> dict[str, Any]:
    """What any member may know about a survey: settings, and days rather than times (days
    in the workspace's time zone, as every page shows them)."""
    zone = time_zone or workspace_time_zone()
    return {
        "id": survey.pk,
        "kind": survey.kind,
        "title": survey.title,
        "question": survey.question,
        "status": survey.status,
        "anonymity_threshold": survey.anonymity_threshold,
        "invite_teams": survey.invite_teams,
        "reminder_days": survey.reminder_days,
        "public_link_enabled": survey.public_link_enabled,
        "public_id": survey.public_id if survey.public_link_enabled else None,
        "recurrence": survey.schedule.recurrence if survey.schedule is not None else None,
        "statements": [
            {"id": s.pk, "position": s.position, "topic": s.topic, "text": s.text}
            for s in survey.statements.all()
        ],
        "opens_on": day_text(survey.opens_at, zone),
        "opened_on": day_text(survey.opened_at, zone),
        "closes_on": day_text(survey.closes_at, zone),
        "closed_on": day_text(survey.closed_at, zone),
    }


def survey_summaries() -> list[dict[str, Any]]:
    zone = workspace_time_zone()
    return [survey_summary(survey, time_zone=zone) for survey in survey_list()]


def schedule_summary(schedule: SurveySchedule) -> dict[str, Any]:
    """A recurring survey's schedule: its rhythm and the day its next wave opens."""
    return {
        "id": schedule.pk,
        "recurrence": schedule.recurrence,
        "wave_days": schedule.wave_days,
        "next_run_on": workspace_day(schedule.next_run_at),
    }


def participation(survey: Survey) -> dict[str, Any]:
    """Who was invited and how many answered, by personal link and by the public link.

    Participation is personal-link answers over invitations: answers through a public link
    have no invitation, so they are counted on their own and never inflate the rate. Every
    count of answers is hidden while the survey has fewer than k; nothing says who answered.
    """
    answers = Response.objects.filter(survey=survey).aggregate(
        total=Count("pk"), released=Count("pk", filter=Q(release__isnull=False))
    )
    invitees = Invitee.objects.filter(survey=survey).aggregate(
        invited=Count("pk"),
        sent=Count("pk", filter=Q(invitation_sent_on__isnull=False)),
        answered=Count("pk", filter=Q(responded=True)),
    )
    total, answered, invited = answers["total"], invitees["answered"], invitees["invited"]
    hidden = scoring.is_hidden(total, survey.anonymity_threshold)
    return {
        "invited": invited,
        "invitations_sent": invitees["sent"],
        "answered": None if hidden else answered,
        "participation_rate": None if hidden or not invited else round(answered / invited, 6),
        "public_answers": None if hidden else max(total - answered, 0),
        "responses": None if hidden else total,
        "in_results": None if hidden else answers["released"],
        "hidden": hidden,
        "note": scoring.hidden_note(survey.anonymity_threshold) if hidden else "",
    }


def release_status(survey: Survey) -> dict[str, Any]:
    """How the survey's results grow: the rule, the last release, and how many answers wait."""
    releases = survey.releases.aggregate(count=Count("pk"), last=Max("released_on"))
    pending = Response.objects.filter(survey=survey, release=None).count()
    return {
        "rule": "at_close" if survey.kind == SurveyKind.ALIGNMENT else "batches",
        "batch_size": survey.anonymity_threshold,
        "releases": releases["count"],
        "last_released_on": releases["last"].isoformat() if releases["last"] else None,
        "pending": pending,
    }


def customer_invitee_list(survey: Survey) -> list[dict[str, Any]]:
    """Invitations of a customer survey: who was invited, never whether they answered
    (alignment invitees are never listed). Reminders use the server's own tracking."""
    if not survey.is_customer_survey:
        return []
    return [
        {"email": email, "lead_id": lead_id, "invited": sent is not None}
        for email, lead_id, sent in Invitee.objects.filter(survey=survey)
        .order_by("email")
        .values_list("email", "lead_id", "invitation_sent_on")
    ]


def uninvited_people(survey: Survey) -> list[User]:
    """Active people with an email not invited to an open pulse (e.g. who joined since)."""
    if survey.kind != SurveyKind.ALIGNMENT or survey.status != SurveyStatus.OPEN:
        return []
    invited = Invitee.objects.filter(survey=survey).values("email")
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(email__in=invited)
        .order_by("email")
    )


def pending_invitation_link(survey: Survey, user: User) -> str | None:
    """The signed-in person's own answer link for an open survey they have not answered yet."""
    if survey.status != SurveyStatus.OPEN or not user.is_authenticated:
        return None
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        return None
    invitee = Invitee.objects.filter(survey=survey, user=user, responded=False).first()
    if invitee is None:
        return None
    return tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
