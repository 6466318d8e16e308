"""Launching: the one way the page and the API start a survey, in one transaction."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from smarketing.accounts.models import User

from ..models import Survey, SurveySchedule
from .authoring import survey_create, survey_open
from .schedules import survey_schedule_create


@dataclass(frozen=True)
class Launched:
    """What `survey_launch` made: a survey, or a recurring schedule and its first wave if that
    opened at once (`survey` is None while the first wave waits for its date)."""

    survey: Survey | None
    schedule: SurveySchedule | None = None


def survey_launch(
    *,
    created_by: User | None,
    open_now: bool = False,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    recurrence: str = "",
    wave_days: int = 14,
    public_link_enabled: bool = False,
    site_url: str = "",
    **survey_fields,
) -> Launched:
    """Create a survey and open it now, on `opens_at` or never (a draft); or, with a
    `recurrence`, a schedule whose first wave opens at `opens_at` (now when not given).

    One transaction: a survey that cannot be opened is not left behind as a draft, and the
    invitations go out only once everything is stored. The page and the API both launch here.
    `survey_fields` are survey_create's kind, title, question, statements, invite_teams,
    invite_user_ids, anonymity_threshold and reminder_days.
    """
    with transaction.atomic():
        if recurrence:
            schedule = survey_schedule_create(
                created_by=created_by,
                recurrence=recurrence,
                first_run_at=opens_at,
                wave_days=wave_days,
                site_url=site_url,
                **survey_fields,
            )
            return Launched(survey=schedule.waves.order_by("-pk").first(), schedule=schedule)
        survey = survey_create(
            created_by=created_by,
            public_link_enabled=public_link_enabled,
            site_url=site_url,
            opens_at=opens_at,
            closes_at=closes_at,
            **survey_fields,
        )
        if open_now:
            survey = survey_open(survey=survey, opened_by=created_by)
    return Launched(survey=survey)
