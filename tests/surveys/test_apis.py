"""The surveys API and its OpenAPI description: every body an endpoint answers conforms to the
schema it documents (no undocumented field either), component names are the surveys' own, and
refused input is a 400 with a message, never a server error."""

import copy
import json
import re

import jsonschema
import pytest
from django_tenants.utils import schema_context

from surveys import services
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, answer_as, answered_survey, people, public_survey

SURVEY_PATHS = "/api/v1/surveys/"


@pytest.fixture
def schema(alice_client):
    response = alice_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _json_schema(node, components):
    """OpenAPI 3.0 → JSON Schema: $refs inlined, `nullable` as a null alternative, and objects
    with declared properties closed (a field the schema does not declare is a failure)."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    node = {key: _json_schema(value, components) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _conforms(schema, path: str, method: str, status: int, body) -> None:
    operation = schema["paths"][path][method]
    documented = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(
        _json_schema(copy.deepcopy(documented), schema["components"]["schemas"])
    )
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"{method.upper()} {path} {status}: {errors[0]}"


def test_every_survey_endpoint_answers_the_body_its_schema_describes(alpha, alice, schema):
    client = client_for(ALPHA_HOST, alice)
    pulse = answered_survey(alpha, {"marketing": [[4, 2]] * 3, "sales": [[2, 3]] * 3})
    people(alpha, "sales", 1)
    open_pulse = answered_survey(alpha, {"marketing": [[3]] * 3}, closed=False)
    nps = public_survey(alpha, "nps", (10, 9, 3, 7))
    with schema_context(alpha.schema_name):
        tiny = services.survey_create(created_by=alice, kind="csat", title="Tiny")
    answered = {
        ("/api/v1/surveys/", "get", 200): client.get("/api/v1/surveys/"),
        ("/api/v1/surveys/question-bank/", "get", 200): client.get(
            "/api/v1/surveys/question-bank/"
        ),
        ("/api/v1/surveys/alignment-trend/", "get", 200): client.get(
            "/api/v1/surveys/alignment-trend/"
        ),
    }
    for survey in (pulse, open_pulse, nps, tiny):
        for suffix in ("", "results/", "invitations/"):
            path = f"/api/v1/surveys/{{survey_id}}/{suffix}"
            answered[(path, "get", 200)] = client.get(f"/api/v1/surveys/{survey.pk}/{suffix}")
            _conforms(schema, path, "get", 200, answered[(path, "get", 200)].json())
    nps_body = client.get(f"/api/v1/surveys/{nps.pk}/nps/")
    _conforms(schema, "/api/v1/surveys/{survey_id}/nps/", "get", 200, nps_body.json())
    assert nps_body.json()["overall"]["responses"] == 3  # one batch of k released
    created = client.post(
        "/api/v1/surveys/create/",
        {"kind": "csat", "title": "Made", "recurrence": "monthly"},
        content_type="application/json",
    )
    _conforms(schema, "/api/v1/surveys/create/", "post", 201, created.json())
    assert created.json()["schedule"]["recurrence"] == "monthly"
    updated = client.patch(
        f"/api/v1/surveys/{tiny.pk}/update/", {"title": "Renamed"}, content_type="application/json"
    )
    _conforms(schema, "/api/v1/surveys/{survey_id}/update/", "patch", 200, updated.json())
    with schema_context(alpha.schema_name):
        newcomer = people(alpha, "sales", 1)[0]
    added = client.post(
        f"/api/v1/surveys/{open_pulse.pk}/invitees/",
        {"user_ids": [newcomer.pk]},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json() == {"added": 1}
    _conforms(schema, "/api/v1/surveys/{survey_id}/invitees/", "post", 201, added.json())
    for (path, method, status), response in answered.items():
        assert response.status_code == status, path
        _conforms(schema, path, method, status, response.json())
    missing = client.get("/api/v1/surveys/999999/results/")
    _conforms(schema, "/api/v1/surveys/{survey_id}/results/", "get", 404, missing.json())
    refused = client_for(ALPHA_HOST).get("/api/v1/surveys/")
    _conforms(schema, "/api/v1/surveys/", "get", 403, refused.json())
    # The check itself can fail: a missing field, an undocumented one.
    summary = answered[("/api/v1/surveys/{survey_id}/", "get", 200)].json()
    for wrong in ({"id": 1}, {**summary, "respondents": []}):
        with pytest.raises(AssertionError):
            _conforms(schema, "/api/v1/surveys/{survey_id}/", "get", 200, wrong)


def test_survey_components_have_their_own_names_and_errors_are_documented(schema):
    names = set(schema["components"]["schemas"])
    for path, operations in schema["paths"].items():
        if not path.startswith(SURVEY_PATHS):
            continue
        for method, operation in operations.items():
            request = json.dumps(operation.get("requestBody", {}))
            for ref in re.findall(r"#/components/schemas/(\w+)", request):
                assert ref.startswith(("Survey", "PatchedSurvey")), (path, method, ref)
            codes = set(operation["responses"])
            assert "403" in codes, (path, method)
            if "{survey_id}" in path:
                assert "404" in codes, (path, method)
            if method in ("post", "patch") and operation.get("requestBody"):
                assert "400" in codes, (path, method)
    assert not {"Input", "Output", "PatchedInput"} & {
        name for name in names if name.startswith("Survey")
    }
    create = schema["paths"]["/api/v1/surveys/create/"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/SurveyCreateInput")
    assert (
        "anonymity_threshold" in schema["components"]["schemas"]["SurveyCreateInput"]["properties"]
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"anonymity_threshold": 99999999999}, "less than or equal to 1000"),
        ({"anonymity_threshold": 2}, "greater than or equal to 3"),
        ({"tittle": "typo"}, '{"tittle":["Unknown field."]}'),
        ({}, "Name at least one of"),
        ([{"title": "x"}], "Expected a dictionary"),
        ({"title": "x" * 201}, "no more than 200"),
        ({"reminder_days": [0]}, "greater than or equal to 1"),
        ({"closes_at": None}, "may not be null"),
    ],
)
def test_invalid_patch_bodies_are_refused_with_a_message(alpha, alice_client, body, message):
    with schema_context(alpha.schema_name):
        survey = services.survey_create(created_by=admin_of(alpha), kind="nps", title="Draft")
    response = alice_client.patch(
        f"/api/v1/surveys/{survey.pk}/update/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("threshold", [40000, 99999999999, 1001])
def test_a_huge_threshold_on_create_is_a_clear_400(alpha, alice_client, threshold):
    response = alice_client.post(
        "/api/v1/surveys/create/",
        {"kind": "nps", "title": "Huge", "anonymity_threshold": threshold},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "less than or equal to 1000" in response.content.decode()


def test_the_service_refuses_a_threshold_the_database_could_not_hold(alpha):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="at most 1000"):
        services.survey_create(
            created_by=admin_of(alpha), kind="nps", title="Huge", anonymity_threshold=40000
        )


def test_an_unknown_team_filter_is_refused(alpha, alice_client):
    members = people(alpha, "marketing", 3)
    survey = answered_survey(alpha, {"marketing": [[4]] * 3})
    assert members
    for team in ("AAA", "Marketing", "marketing,sales"):
        response = alice_client.get(f"/api/v1/surveys/{survey.pk}/results/", {"team": team})
        assert response.status_code == 400, team
        assert "is not a valid choice" in response.content.decode()
    ok = alice_client.get(f"/api/v1/surveys/{survey.pk}/results/", {"team": "marketing"})
    assert ok.status_code == 200 and list(ok.json()["statements"][0]["teams"]) == ["marketing"]
    every = alice_client.get(f"/api/v1/surveys/{survey.pk}/results/", {"team": ""})  # no filter
    assert every.status_code == 200 and "sales" in every.json()["statements"][0]["teams"]


def test_people_who_joined_an_open_pulse_can_be_invited_from_the_page(alpha, alice_client):
    members = people(alpha, "sales", 3)
    survey = answered_survey(alpha, {"sales": [[4]] * 2}, closed=False)
    newcomer = people(alpha, "marketing", 1)[0]
    page = alice_client.get(f"/surveys/{survey.pk}/").content.decode()
    assert newcomer.email in page and "Invite people who are not invited yet" in page
    response = alice_client.post(
        f"/surveys/{survey.pk}/invitees/", {"user_ids": [str(newcomer.pk)]}, follow=True
    )
    assert "1 person invited" in response.content.decode()
    answer_as(alpha, survey, newcomer, [5])  # their own personal link works
    assert members


def test_survey_days_are_the_workspace_time_zones(alpha, alice_client):
    """A wave opened at 23:30 UTC on 1 March was opened on 2 March in Berlin: the API, the
    trend and the page say 2 March (the cockpit shows every time in the workspace's zone)."""
    from datetime import UTC, datetime

    from smarketing.configuration.selectors import workspace_settings_get
    from surveys.models import Survey

    survey = answered_survey(alpha, {"marketing": [[4]] * 3})
    with schema_context(alpha.schema_name):
        row = workspace_settings_get()
        row.time_zone = "Europe/Berlin"
        row.save()
        Survey.objects.filter(pk=survey.pk).update(
            opened_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
            closes_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC),
            closed_at=datetime(2026, 3, 15, 0, 0, tzinfo=UTC),
        )
    detail = alice_client.get(f"/api/v1/surveys/{survey.pk}/").json()
    assert (detail["opened_on"], detail["closes_on"], detail["closed_on"]) == (
        "2026-03-02",
        "2026-03-15",
        "2026-03-15",
    )
    listed = alice_client.get("/api/v1/surveys/").json()
    assert [s["opened_on"] for s in listed if s["id"] == survey.pk] == ["2026-03-02"]
    trend = alice_client.get("/api/v1/surveys/alignment-trend/").json()
    assert [w["opened_on"] for w in trend if w["survey_id"] == survey.pk] == ["2026-03-02"]
    page = alice_client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "opened 2026-03-02" in page
