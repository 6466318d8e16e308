"""Differencing: read the results, let one more person answer, read again. Nothing a member
can read (pages, API, CSV, the command) may change by one answer, for every kind of survey;
results change only by whole releases of at least k answers (docs/surveys.md, "Releases")."""

import io
import json
import re
import time

from django.core.management import call_command
from django_tenants.utils import schema_context

from smarketing.funnel.models import Lead
from surveys import services, tokens
from surveys.models import Invitee
from surveys.views import form_started_token
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, alignment_survey, answer_as, close, people

RESULTS_SECTION = re.compile(r'<section id="survey-results">.*?</section>', re.S)


def _results_only(body: dict) -> dict:
    """An API body without its live counters (participation, release): what an answer reveals
    is in the figures, and those are what must not move."""
    return {key: value for key, value in body.items() if key not in ("participation", "release")}


def _everything(client, survey, *, api: str) -> dict[str, object]:
    """Every view of the survey's results a member (here the admin) can read."""
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    out = io.StringIO()
    call_command("survey_results", "alpha", str(survey.pk), "--json", stdout=out)
    return {
        "api": _results_only(client.get(f"/api/v1/surveys/{survey.pk}/{api}/").json()),
        "page": RESULTS_SECTION.search(page).group(0),
        "csv": client.get(f"/surveys/{survey.pk}/results.csv").content.decode(),
        "command": _results_only(json.loads(out.getvalue())),
        "list": client.get("/api/v1/surveys/alignment-trend/").json(),
    }


def test_an_alignment_answer_changes_no_result_and_the_wave_releases_once_at_close(alpha):
    threshold = 3
    members = people(alpha, "marketing", 4) + people(alpha, "sales", 4)
    survey = alignment_survey(alpha, threshold=threshold, statements=2)
    client = client_for(ALPHA_HOST, admin_of(alpha))
    for member in members[:3] + members[4:7]:
        answer_as(alpha, survey, member, [4, 2], comments=["fine", ""])
    before = _everything(client, survey, api="results")

    answer_as(alpha, survey, members[3], [1, 5], comments=["the one to find", ""])
    after = _everything(client, survey, api="results")
    assert after == before
    assert "the one to find" not in json.dumps(after)
    # Each team filter hides the same, and the page shows none of it.
    for team in ("marketing", "sales"):
        body = client.get(f"/api/v1/surveys/{survey.pk}/results/?team={team}").json()
        assert all(s["teams"][team]["hidden"] for s in body["statements"])

    close(alpha, survey)
    released = _everything(client, survey, api="results")
    assert released != after
    statement = released["api"]["statements"][0]
    assert statement["overall"]["responses"] == 7  # everyone who answered, in one release
    assert "the one to find" in json.dumps(released["api"])
    # No answer can come after the release.
    token = tokens.invitee_token(
        survey_id=survey.pk, nonce=_invitee(alpha, survey, members[7]).nonce
    )
    assert client_for(ALPHA_HOST).get(f"/surveys/r/{token}/").status_code == 410


def _invitee(workspace, survey, user) -> Invitee:
    with schema_context(workspace.schema_name):
        return Invitee.objects.get(survey=survey, user=user)


def _customer_survey(alpha, kind: str, threshold: int):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        Lead.objects.bulk_create(
            Lead(lead_id=f"D{n}", created_at="2025-01-01T00:00Z", source="events", owner="ann")
            for n in range(8)
        )
        survey = services.survey_create(
            created_by=admin,
            kind=kind,
            title=f"{kind} differencing",
            anonymity_threshold=threshold,
            public_link_enabled=True,
        )
        services.survey_customers_add(
            survey=survey,
            added_by=admin,
            customers=[{"email": f"d{n}@customer.test", "lead_id": f"D{n}"} for n in range(8)],
        )
        return services.survey_open(survey=survey, opened_by=admin)


def _customer_answers(alpha, survey, numbers, score: int, comment: str = "") -> None:
    with schema_context(alpha.schema_name):
        for n in numbers:
            invitee = Invitee.objects.get(survey=survey, lead_id=f"D{n}")
            token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
            services.survey_response_submit(token=token, score=score, comment=comment)


def _public_answer(survey, score: int, address: str) -> None:
    response = client_for(ALPHA_HOST).post(
        f"/surveys/p/{survey.public_id}/",
        {"started": form_started_token(time.time() - 30), "score": score},
        REMOTE_ADDR=address,
    )
    assert response.status_code == 200


def _customer_differencing(alpha, kind: str, api: str, scores: tuple[int, int]) -> None:
    threshold = 3
    survey = _customer_survey(alpha, kind, threshold)
    client = client_for(ALPHA_HOST, admin_of(alpha))
    usual, odd = scores
    _customer_answers(alpha, survey, [0, 1, 2], usual)  # the first release: 3 answers
    before = _everything(client, survey, api=api)
    invitations_before = client.get(f"/api/v1/surveys/{survey.pk}/invitations/").json()
    assert before["api"]["overall"]["responses"] == 3

    # A named customer answers: no figure moves, and nothing says that they answered.
    _customer_answers(alpha, survey, [3], odd, comment="the one to find")
    _public_answer(survey, odd, "192.0.2.10")  # and someone through the public link
    after = _everything(client, survey, api=api)
    invitations_after = client.get(f"/api/v1/surveys/{survey.pk}/invitations/").json()
    assert after == before
    assert invitations_after["customers"] == invitations_before["customers"]
    assert all("answered" not in row for row in invitations_after["customers"])
    assert "the one to find" not in json.dumps(after)

    # The third pending answer completes a batch: the results move by three answers at once.
    _customer_answers(alpha, survey, [4], usual)
    released = _everything(client, survey, api=api)
    assert released["api"]["overall"]["responses"] == 6
    assert released["api"] != after["api"]
    # This quarter is still open to releases: the breakdowns do not move, and the month's
    # trend moves by the whole batch.
    for key in ("by_source", "by_campaign", "by_owner"):
        assert released["api"][key] == after["api"][key] == []
    assert [row["responses"] for row in released["api"]["trend"]] == [6]


def test_an_nps_answer_changes_no_result_until_a_batch_of_k(alpha):
    _customer_differencing(alpha, "nps", "nps", (9, 0))


def test_a_csat_answer_changes_no_result_until_a_batch_of_k(alpha):
    _customer_differencing(alpha, "csat", "results", (5, 1))
