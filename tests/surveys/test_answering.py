"""Answering through personal and public links: single use, clear pages, abuse protections."""

import re
import time

import pytest
from django.core import signing
from django_tenants.utils import schema_context

from surveys import services
from surveys.models import Answer, Invitee, Response
from surveys.views import FORM_STARTED_SALT, form_started_token
from tests.conftest import ALPHA_HOST, BETA_HOST, client_for

from .helpers import admin_of, alignment_survey, people, token_for


def _form(survey_statements, values, **extra):
    data = {f"s{pk}": value for pk, value in zip(survey_statements, values, strict=True)}
    return {"started": form_started_token(time.time() - 30), "website": "", **data, **extra}


@pytest.fixture
def pulse(alpha):
    (member,) = people(alpha, "sales", 1)
    survey = alignment_survey(alpha, statements=2, teams=("sales",))
    with schema_context(alpha.schema_name):
        statement_ids = list(survey.statements.values_list("pk", flat=True))
    return survey, member, f"/surveys/r/{token_for(alpha, survey, member)}/", statement_ids


def test_answer_page_needs_no_account_and_says_answers_are_anonymous(pulse):
    _survey, _member, path, _ids = pulse
    page = client_for(ALPHA_HOST).get(path)
    assert page.status_code == 200
    assert b"Your answers are anonymous" in page.content
    assert b'name="viewport"' in page.content  # phone-sized screens


def test_personal_link_used_twice_stores_exactly_one_answer(alpha, pulse):
    survey, _member, path, ids = pulse
    browser = client_for(ALPHA_HOST)
    first = browser.post(path, _form(ids, [4, 2], **{f"c{ids[0]}": "Good"}))
    assert first.status_code == 200 and b"Thank you" in first.content
    second = client_for(ALPHA_HOST).post(path, _form(ids, [1, 1]))
    assert second.status_code == 410
    assert b"already answered" in second.content
    assert client_for(ALPHA_HOST).get(path).status_code == 410
    with schema_context(alpha.schema_name):
        response = Response.objects.get(survey=survey)
        assert response.team == "sales"
        assert sorted(Answer.objects.values_list("value", flat=True)) == [2, 4]
        assert Invitee.objects.get(survey=survey).responded is True


def test_answers_are_stored_without_any_link_to_the_person(alpha, pulse):
    survey, _member, path, ids = pulse
    client_for(ALPHA_HOST).post(path, _form(ids, [3, 3]), REMOTE_ADDR="203.0.113.9")
    response_fields = {f.name for f in Response._meta.get_fields()}
    answer_fields = {f.name for f in Answer._meta.get_fields()}
    assert response_fields == {
        "id",
        "survey",
        "team",
        "score",
        "comment",
        "lead_id",
        "submitted_on",
        "answers",
        # When the answer joined the results, and its lead's groups (customer surveys).
        "release",
        "source_group",
        "campaign_group",
        "owner_group",
    }
    assert answer_fields == {"id", "response", "statement", "value", "comment"}
    with schema_context(alpha.schema_name):
        stored = Response.objects.get(survey=survey)
        # Random id, and the day only.
        assert stored.id.version == 4
        assert type(stored.submitted_on).__name__ == "date"
        row = " ".join(
            str(v) for v in Response.objects.filter(pk=stored.pk).values().first().values()
        )
        assert "203.0.113.9" not in row


def test_closed_survey_link_shows_a_clear_page(alpha, pulse):
    survey, _member, path, ids = pulse
    with schema_context(alpha.schema_name):
        services.survey_close(survey=survey, closed_by=admin_of(alpha))
    response = client_for(ALPHA_HOST).post(path, _form(ids, [3, 3]))
    assert response.status_code == 410
    assert b"This survey has closed" in response.content


def test_link_of_workspace_a_is_404_on_workspace_b(alpha, beta, pulse):
    _survey, _member, path, ids = pulse
    assert client_for(BETA_HOST).get(path).status_code == 404
    assert client_for(BETA_HOST).post(path, _form(ids, [3, 3])).status_code == 404
    assert client_for(ALPHA_HOST).get("/surveys/r/not-a-real-token/").status_code == 404


def test_honeypot_submission_is_thanked_but_not_stored(alpha, pulse):
    survey, _member, path, ids = pulse
    response = client_for(ALPHA_HOST).post(path, _form(ids, [3, 3], website="http://spam"))
    assert response.status_code == 200
    with schema_context(alpha.schema_name):
        assert not Response.objects.filter(survey=survey).exists()
        assert Invitee.objects.get(survey=survey).responded is False


def test_a_too_fast_submission_is_not_stored(alpha, pulse):
    survey, _member, path, ids = pulse
    form = _form(ids, [3, 3], started=form_started_token())
    response = client_for(ALPHA_HOST).post(path, form)
    assert b"very quick" in response.content
    with schema_context(alpha.schema_name):
        assert not Response.objects.filter(survey=survey).exists()


def test_a_too_fast_send_keeps_the_answers_and_the_first_display_time(alpha, pulse, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 3
    survey, _member, path, ids = pulse
    shown_at = time.time() - 1
    browser = client_for(ALPHA_HOST)
    form = _form(ids, [2, 5], started=form_started_token(shown_at))
    bounced = browser.post(path, {**form, f"c{ids[1]}": "Hand-off is slow."})
    html = bounced.content.decode()
    assert "very quick" in html
    assert f'name="s{ids[0]}" value="2" required checked' in html
    assert f'name="s{ids[1]}" value="5" required checked' in html
    assert "Hand-off is slow.</textarea>" in html
    started = re.search(r'name="started" value="([^"]+)"', html).group(1)
    assert signing.loads(started, salt=FORM_STARTED_SALT) == shown_at
    # Sent again once three seconds have passed since the form was first shown: stored.
    assert (
        browser.post(path, {**form, "started": form_started_token(shown_at - 2)}).status_code == 200
    )
    with schema_context(alpha.schema_name):
        assert Response.objects.filter(survey=survey).count() == 1


def test_incomplete_answer_is_refused_and_link_stays_usable(alpha, pulse):
    survey, _member, path, ids = pulse
    response = client_for(ALPHA_HOST).post(path, _form(ids[:1], [3]))
    assert response.status_code == 400
    with schema_context(alpha.schema_name):
        assert Invitee.objects.get(survey=survey).responded is False


def _nps_survey(alpha, **extra):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(
            created_by=admin, kind="nps", title="Customer NPS", public_link_enabled=True, **extra
        )
        return services.survey_open(survey=survey, opened_by=admin)


def _score(score, **extra):
    return {"started": form_started_token(time.time() - 30), "score": score, **extra}


def test_public_nps_link_works_without_account_and_once_per_browser(alpha):
    survey = _nps_survey(alpha)
    path = f"/surveys/p/{survey.public_id}/"
    browser = client_for(ALPHA_HOST)
    page = browser.get(path)
    assert page.status_code == 200 and b"recommend" in page.content
    assert browser.post(path, _score(9, comment="Fast support")).status_code == 200
    again = browser.post(path, _score(0))
    assert again.status_code == 410
    with schema_context(alpha.schema_name):
        assert list(Response.objects.values_list("score", "comment")) == [(9, "Fast support")]


def test_public_link_rate_limit_per_ip(alpha, settings):
    settings.SURVEY_RATE_PER_IP = "3/m"
    survey = _nps_survey(alpha)
    path = f"/surveys/p/{survey.public_id}/"
    codes = [
        client_for(ALPHA_HOST).post(path, _score(8), REMOTE_ADDR="198.51.100.7").status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # Another address is not limited by the first one.
    assert (
        client_for(ALPHA_HOST).post(path, _score(8), REMOTE_ADDR="198.51.100.8").status_code == 200
    )


def test_public_link_rate_limit_per_survey(alpha, settings):
    settings.SURVEY_RATE_PER_SURVEY = "2/m"
    survey = _nps_survey(alpha)
    path = f"/surveys/p/{survey.public_id}/"
    codes = [
        client_for(ALPHA_HOST).post(path, _score(8), REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(1, 5)
    ]
    assert codes == [200, 200, 429, 429]


def test_public_link_disabled_or_of_alignment_survey_is_404(alpha, pulse):
    survey, *_ = pulse
    assert client_for(ALPHA_HOST).get(f"/surveys/p/{survey.public_id}/").status_code == 404
    nps = _nps_survey(alpha)
    assert client_for(BETA_HOST).get(f"/surveys/p/{nps.public_id}/").status_code == 404


def test_out_of_scale_score_is_refused(alpha):
    survey = _nps_survey(alpha)
    response = client_for(ALPHA_HOST).post(f"/surveys/p/{survey.public_id}/", _score(11))
    assert response.status_code == 400
    with schema_context(alpha.schema_name):
        assert not Response.objects.filter(survey=survey).exists()
