"""Walk every output of an anonymous survey: no respondent identifier, no per-response time."""

import io
import json
import re

from django.core.management import call_command
from django_tenants.utils import schema_context

from smarketing.accounts.models import User
from surveys import tokens
from surveys.models import Answer, Invitee, Response
from surveys.selectors import TEAMS
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, alignment_survey, answer_as, close, people

FORBIDDEN_KEYS = {"user", "user_id", "email", "token", "token_hash", "nonce", "ip", "user_agent"}
FORBIDDEN_KEYS |= {"submitted_on", "submitted_at", "created_at", "answered_at", "responded"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_no_output_of_an_anonymous_survey_identifies_a_respondent_or_a_time(alpha):
    marketing = people(alpha, "marketing", 3)
    sales = people(alpha, "sales", 3)
    survey = alignment_survey(alpha, threshold=3, statements=2)
    for n, member in enumerate(marketing + sales):
        answer_as(alpha, survey, member, [n % 5 + 1, 3], comments=[f"comment {n}", ""])
    close(alpha, survey)
    with schema_context(alpha.schema_name):
        respondents = list(User.objects.filter(pk__in=[u.pk for u in marketing + sales]))
        secrets = [u.email for u in respondents] + [u.username for u in respondents]
        for invitee in Invitee.objects.filter(survey=survey):
            token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
            secrets += [token, invitee.token_hash, invitee.nonce]
        secrets += [str(pk) for pk in Response.objects.values_list("pk", flat=True)]
        secrets += [str(pk) for pk in Answer.objects.values_list("pk", flat=True)]

    client = client_for(ALPHA_HOST, admin_of(alpha))
    api = [
        "/api/v1/surveys/",
        f"/api/v1/surveys/{survey.pk}/",
        f"/api/v1/surveys/{survey.pk}/results/",
        f"/api/v1/surveys/{survey.pk}/invitations/",
        "/api/v1/surveys/alignment-trend/",
        *(f"/api/v1/surveys/{survey.pk}/results/?team={team}" for team in TEAMS),
    ]
    pages = [
        "/surveys/",
        f"/surveys/{survey.pk}/",
        f"/surveys/{survey.pk}/results.csv",
        *(f"/surveys/{survey.pk}/?team={team}" for team in TEAMS),
    ]
    outputs = {}
    for path in api:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not FORBIDDEN_KEYS & set(_keys(response.json())), path
        outputs[path] = response.content.decode()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        outputs[path] = response.content.decode()
    for flag in ([], ["--json"]):
        out = io.StringIO()
        call_command("survey_results", "alpha", str(survey.pk), *flag, stdout=out)
        outputs[f"command {flag}"] = out.getvalue()
    assert not FORBIDDEN_KEYS & set(_keys(json.loads(outputs["command ['--json']"])))

    # The outputs do carry the results (the walk is not vacuous)...
    assert "comment 4" in outputs[f"/api/v1/surveys/{survey.pk}/results/"]
    assert "comment 4" in outputs[f"/surveys/{survey.pk}/"]
    for where, text in outputs.items():
        for secret in secrets:
            assert secret not in text, (where, secret)
        assert not TIMESTAMP.search(text), (where, TIMESTAMP.search(text))
