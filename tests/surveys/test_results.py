"""Alignment results on hand-computed answers, and suppression below k in every view."""

import csv
import io
import json

from django.core.management import call_command
from django_tenants.utils import schema_context

from surveys import selectors
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, answered_survey, close, people

# Statement 1: marketing 4, 5, 3 (mean 4.0); sales 2, 3, 1 (mean 2.0); gap 2.0
# Statement 2: marketing 2, 2, 3 (mean 7/3); sales 3, 3, 3 (mean 3.0); gap 2/3
HAND_MADE = {
    "marketing": [[4, 2], [5, 2], [3, 3]],
    "sales": [[2, 3], [3, 3], [1, 3]],
}


def test_means_distribution_and_ranked_perception_gaps_on_hand_computed_answers(alpha):
    survey = answered_survey(alpha, HAND_MADE, threshold=3)
    with schema_context(alpha.schema_name):
        results = selectors.alignment_results(survey)
    first, second = results["statements"]
    assert first["overall"]["mean"] == 3.0  # (12 + 6) / 6
    assert first["overall"]["distribution"] == {"1": 1, "2": 1, "3": 2, "4": 1, "5": 1}
    assert first["teams"]["marketing"]["mean"] == 4.0
    assert first["teams"]["sales"]["mean"] == 2.0
    assert first["perception_gap"] == 2.0
    assert second["overall"]["mean"] == 2.67  # 16 / 6
    assert second["teams"]["marketing"]["mean"] == 2.33
    assert second["perception_gap"] == 0.67
    assert [g["perception_gap"] for g in results["perception_gaps"]] == [2.0, 0.67]
    # 45.83 (agreement of mean 2.8333) × (1 − 1.3333 / 4)
    assert results["alignment_score"] == 30.56
    assert results["participation"]["responses"] == 6
    assert results["groups"]["leadership"]["hidden"] is True


def test_six_plus_one_with_k_five_hides_both_teams_so_views_cannot_be_subtracted(alpha):
    answers = {"marketing": [[4]] * 6, "sales": [[1]]}
    survey = answered_survey(alpha, answers, threshold=5)
    with schema_context(alpha.schema_name):
        results = selectors.alignment_results(survey)
        filtered = {t: selectors.alignment_results(survey, team=t) for t in selectors.TEAMS}
    statement = results["statements"][0]
    assert statement["overall"]["responses"] == 7
    assert statement["teams"]["sales"] == {"hidden": True, "note": "hidden: fewer than 5 responses"}
    # Marketing has 6 ≥ k but is hidden too: overall − marketing would be the one sales answer.
    assert statement["teams"]["marketing"]["hidden"] is True
    assert results["groups"]["marketing"]["hidden"] is True
    assert statement["perception_gap"] is None and results["perception_gaps"] == []
    for team, view in filtered.items():
        assert view["statements"][0]["teams"][team]["hidden"] is True
        assert view["groups"][team]["hidden"] is True


def test_whole_survey_below_k_hides_figures_counts_and_comments(alpha):
    members = people(alpha, "marketing", 2)
    from .helpers import alignment_survey, answer_as

    survey = alignment_survey(alpha, threshold=3, teams=("marketing",), statements=1)
    for member in members:
        answer_as(alpha, survey, member, [5], comments=["Great hand-off"])
    with schema_context(alpha.schema_name):
        results = selectors.alignment_results(survey)
    statement = results["statements"][0]
    assert statement["overall"]["hidden"] and statement["comments"] is None
    assert results["participation"]["responses"] is None
    assert results["participation"]["participation_rate"] is None
    assert results["alignment_score"] is None
    assert "Great hand-off" not in json.dumps(results)


def test_comments_are_grouped_by_statement_in_alphabetical_order(alpha):
    members = people(alpha, "sales", 3)
    from .helpers import alignment_survey, answer_as

    survey = alignment_survey(alpha, threshold=3, teams=("sales",), statements=2)
    answer_as(alpha, survey, members[0], [3, 3], comments=["zebra", ""])
    answer_as(alpha, survey, members[1], [3, 3], comments=["apple", "only on two"])
    answer_as(alpha, survey, members[2], [3, 3])
    close(alpha, survey)
    with schema_context(alpha.schema_name):
        results = selectors.alignment_results(survey)
    assert results["statements"][0]["comments"] == ["apple", "zebra"]
    assert results["statements"][1]["comments"] == ["only on two"]


def _suppressed_survey(alpha):
    return answered_survey(alpha, {"marketing": [[4]] * 6, "sales": [[1]]}, threshold=5)


def test_api_results_and_team_filter_respect_complementary_suppression(alpha):
    survey = _suppressed_survey(alpha)
    client = client_for(ALPHA_HOST, admin_of(alpha))
    for query in ("", "?team=marketing", "?team=sales"):
        body = client.get(f"/api/v1/surveys/{survey.pk}/results/{query}").json()
        for team, figures in body["statements"][0]["teams"].items():
            assert figures["hidden"] is True, (query, team)
            assert "mean" not in figures and "distribution" not in figures


def test_csv_export_and_command_respect_suppression(alpha, capsys):
    survey = _suppressed_survey(alpha)
    client = client_for(ALPHA_HOST, admin_of(alpha))
    rows = list(
        csv.reader(io.StringIO(client.get(f"/surveys/{survey.pk}/results.csv").content.decode()))
    )
    by_group = {row[1]: row for row in rows[1:]}
    assert by_group["overall"][2:4] == ["7", "3.57"]  # (6 × 4 + 1) / 7
    assert by_group["marketing"][2:5] == ["", "", "hidden: fewer than 5 responses"]
    assert by_group["sales"][2:5] == ["", "", "hidden: fewer than 5 responses"]

    call_command("survey_results", "alpha", str(survey.pk), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["workspace"] == "alpha"
    assert printed["statements"][0]["overall"]["mean"] == 3.57
    assert printed["statements"][0]["teams"]["marketing"]["hidden"] is True


def test_results_page_shows_hidden_groups_as_hidden(alpha):
    survey = _suppressed_survey(alpha)
    page = client_for(ALPHA_HOST, admin_of(alpha)).get(f"/surveys/{survey.pk}/?team=marketing")
    assert page.status_code == 200
    assert b"hidden: fewer than 5 responses" in page.content


def test_alignment_trend_lists_each_wave_score(alpha):
    first = answered_survey(alpha, HAND_MADE, threshold=3)
    second = answered_survey(alpha, {"marketing": [[5, 5]] * 3, "sales": [[5, 5]] * 3}, threshold=3)
    body = client_for(ALPHA_HOST, admin_of(alpha)).get("/api/v1/surveys/alignment-trend/").json()
    scores = {wave["survey_id"]: wave["alignment_score"] for wave in body}
    assert scores[first.pk] == 30.56
    assert scores[second.pk] == 100.0
