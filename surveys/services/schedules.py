"""Recurring surveys: a schedule opens a wave every period; beat opens and closes what is due."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from smarketing.accounts.models import User
from smarketing.core.periods import add_months

from ..models import RECURRENCE_MONTHS, Recurrence, Survey, SurveySchedule, SurveyStatus
from .authoring import survey_close, survey_create, survey_fields_clean, survey_open
from .common import require_admin

MAX_WAVE_DAYS = 90


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
    require_admin(created_by)
    if recurrence not in RECURRENCE_MONTHS:
        raise ValidationError("Unknown recurrence.")
    if isinstance(wave_days, bool) or not 1 <= wave_days <= MAX_WAVE_DAYS:
        raise ValidationError(f"A wave stays open between 1 and {MAX_WAVE_DAYS} days.")
    fields = survey_fields_clean(
        question=survey_fields.pop("question", ""),
        statements=survey_fields.pop("statements", ()),
        invite_teams=survey_fields.pop("invite_teams", ()),
        invite_user_ids=survey_fields.pop("invite_user_ids", ()),
        anonymity_threshold=survey_fields.pop("anonymity_threshold", 5),
        reminder_days=survey_fields.pop("reminder_days", (3, 5)),
        **survey_fields,
    )
    with transaction.atomic():
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


def wave_title(title: str, recurrence: str, moment: datetime) -> str:
    """The wave's name says its period: 2026-05, 2026-Q2, 2026-H1 or 2026."""
    period = {
        Recurrence.MONTHLY: f"{moment.year}-{moment.month:02d}",
        Recurrence.QUARTERLY: f"{moment.year}-Q{(moment.month - 1) // 3 + 1}",
        Recurrence.SEMIANNUAL: f"{moment.year}-H{(moment.month - 1) // 6 + 1}",
    }.get(Recurrence(recurrence), str(moment.year))
    return f"{title} · {period}"


def _wave_open(schedule: SurveySchedule, now: datetime) -> None:
    """Open the schedule's due wave and move its next run past `now`."""
    wave = survey_create(
        created_by=None,
        kind=schedule.kind,
        title=wave_title(schedule.title, schedule.recurrence, schedule.next_run_at),
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
    months = RECURRENCE_MONTHS[Recurrence(schedule.recurrence)]
    next_run = add_months(schedule.next_run_at, months)
    while next_run <= now:  # after a long outage, skip the waves that were missed
        next_run = add_months(next_run, months)
    schedule.next_run_at = next_run
    schedule.save(update_fields=["next_run_at"])


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
            _wave_open(schedule, now)
            opened += 1
    for survey in Survey.objects.filter(status=SurveyStatus.SCHEDULED, opens_at__lte=now):
        survey_open(survey=survey)
        opened += 1
    for survey in Survey.objects.filter(status=SurveyStatus.OPEN, closes_at__lte=now):
        survey_close(survey=survey)
        closed += 1
    return {"opened": opened, "closed": closed}
