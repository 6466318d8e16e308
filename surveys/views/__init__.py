"""Survey pages: `pages` for members (list, create, results, actions, CSV); `answering` for
the answer pages that need no account."""

from .answering import FORM_STARTED_SALT, AnswerView, PublicAnswerView, form_started_token
from .pages import (
    SurveyCloseView,
    SurveyCreateView,
    SurveyCustomersView,
    SurveyDetailView,
    SurveyInviteesView,
    SurveyListView,
    SurveyOpenView,
    SurveyResultsCsvView,
    SurveyThresholdView,
)

__all__ = [
    "FORM_STARTED_SALT",
    "AnswerView",
    "PublicAnswerView",
    "SurveyCloseView",
    "SurveyCreateView",
    "SurveyCustomersView",
    "SurveyDetailView",
    "SurveyInviteesView",
    "SurveyListView",
    "SurveyOpenView",
    "SurveyResultsCsvView",
    "SurveyThresholdView",
    "form_started_token",
]
