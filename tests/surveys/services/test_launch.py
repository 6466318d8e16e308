"""survey_launch: the page and the API start surveys the same way, in one transaction."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from surveys import services
from surveys.models import Invitee, Survey, SurveySchedule
from surveys.services import launch
from tests.conftest import ALPHA_HOST, client_for

from ..helpers import admin_of, people


def test_a_survey_that_cannot_be_opened_is_not_left_behind_as_a_draft(alpha, monkeypatch):
    admin = admin_of(alpha)

    def refuse(**kwargs):
        raise ValidationError("The mail server said no.")

    monkeypatch.setattr(launch, "survey_open", refuse)
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="mail server"):
            services.survey_launch(created_by=admin, kind="nps", title="Half made", open_now=True)
        assert not Survey.objects.filter(title="Half made").exists()


def test_page_and_api_launch_the_same_open_survey_with_one_invitation_run(
    alpha, django_capture_on_commit_callbacks
):
    people(alpha, "sales", 2)
    client = client_for(ALPHA_HOST, admin_of(alpha))
    with django_capture_on_commit_callbacks() as page_callbacks:
        page = client.post(
            "/surveys/new/",
            {
                "kind": "alignment",
                "title": "From the page",
                "bank_statements": ["hand_off"],
                "invite_teams": ["sales"],
                "anonymity_threshold": 3,
                "reminder_days": "3",
                "start": "now",
                "wave_days": 14,
            },
        )
    with django_capture_on_commit_callbacks() as api_callbacks:
        api = client.post(
            "/api/v1/surveys/create/",
            {
                "kind": "alignment",
                "title": "From the API",
                "bank_statements": ["hand_off"],
                "invite_teams": ["sales"],
                "anonymity_threshold": 3,
                "reminder_days": [3],
                "open_now": True,
            },
            content_type="application/json",
        )
    assert page.status_code == 302 and api.status_code == 201
    assert len(page_callbacks) == len(api_callbacks) == 1
    with schema_context(alpha.schema_name):
        made = {s.title: s for s in Survey.objects.filter(title__startswith="From the")}
        for survey in made.values():
            assert survey.status == "open" and survey.reminder_days == [3]
            assert Invitee.objects.filter(survey=survey).count() == 2
            assert [s.topic for s in survey.statements.all()] == ["Hand-off"]


def test_a_recurring_launch_makes_a_schedule_and_its_first_wave(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        launched = services.survey_launch(
            created_by=admin, kind="csat", title="Support", recurrence="monthly", wave_days=7
        )
        assert isinstance(launched.schedule, SurveySchedule)
        assert launched.survey is not None and launched.survey.status == "open"
        assert launched.survey.schedule == launched.schedule
        assert launched.survey.title.startswith("Support · ")
