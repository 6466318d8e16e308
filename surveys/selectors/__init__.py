"""Reads of the surveys app. Every figure leaves here already suppressed below the threshold.

Results cover released answers only (`surveys.services.releasing`), counted in PostgreSQL in
one grouped query, then scored and suppressed by the pure functions of `surveys.scoring`. No
output carries a response id, a respondent, who has answered, or a time finer than a day.

Modules by topic: `surveys` (a survey, its schedule, participation, releases, invitees),
`alignment` (a wave's results and the trend), `customers` (NPS/CSAT results), `cockpit` (the
alignment cockpit's quarter) and `days` (days in the workspace's time zone).
"""

from typing import Any

from ..models import Survey
from .alignment import NO_TEAM, TEAMS, alignment_results, alignment_trend
from .cockpit import alignment_quarter_summary
from .customers import NO_LEAD, NO_VALUE, customer_results
from .surveys import (
    customer_invitee_list,
    hidden_note,
    participation,
    pending_invitation_link,
    release_status,
    schedule_summary,
    survey_by_public_id,
    survey_get,
    survey_list,
    survey_summaries,
    survey_summary,
    uninvited_people,
)


def survey_results(survey: Survey, *, team: str | None = None) -> dict[str, Any]:
    if survey.is_customer_survey:
        return customer_results(survey)
    return alignment_results(survey, team=team)


__all__ = [
    "NO_LEAD",
    "NO_TEAM",
    "NO_VALUE",
    "TEAMS",
    "alignment_quarter_summary",
    "alignment_results",
    "alignment_trend",
    "customer_invitee_list",
    "customer_results",
    "hidden_note",
    "participation",
    "pending_invitation_link",
    "release_status",
    "schedule_summary",
    "survey_by_public_id",
    "survey_get",
    "survey_list",
    "survey_results",
    "survey_summaries",
    "survey_summary",
    "uninvited_people",
]
