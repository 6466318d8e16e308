"""Writes of the surveys app, by life cycle.

- `authoring`: validating, creating, changing, opening and closing surveys;
- `schedules`: recurring surveys and beat's opening and closing of what is due;
- `launch`: the one atomic way the page and the API start a survey (or a schedule);
- `answering`: personal and public links, one stored answer per personal link;
- `releasing`: when answers join the results (the steps in which results may change);
- `sending`: invitees, invitation and reminder emails.

Callers import from `surveys.services`; the modules are how the code is organised.
"""

from .answering import (
    MAX_COMMENT_CHARS,
    SurveyLinkError,
    invitee_for_token,
    survey_public_response_submit,
    survey_response_submit,
)
from .authoring import (
    statements_from,
    survey_close,
    survey_create,
    survey_open,
    survey_update,
)
from .common import today
from .launch import Launched, survey_launch
from .releasing import survey_results_release
from .schedules import survey_schedule_create, survey_schedules_run
from .sending import (
    MAX_CUSTOMERS_PER_UPLOAD,
    invitee_build,
    survey_customers_add,
    survey_invitations_send,
    survey_invitees_add,
    survey_link,
    survey_reminders_send,
)

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_CUSTOMERS_PER_UPLOAD",
    "Launched",
    "SurveyLinkError",
    "invitee_build",
    "invitee_for_token",
    "statements_from",
    "survey_close",
    "survey_create",
    "survey_customers_add",
    "survey_invitations_send",
    "survey_invitees_add",
    "survey_launch",
    "survey_link",
    "survey_open",
    "survey_public_response_submit",
    "survey_reminders_send",
    "survey_response_submit",
    "survey_results_release",
    "survey_schedule_create",
    "survey_schedules_run",
    "survey_update",
    "today",
]
