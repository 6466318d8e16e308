"""NPS and CSAT on hand-computed answers: shares, release months, and NPS by lead source,
campaign and owner from whole quarters' cells."""

import time
from datetime import date

from django_tenants.utils import schema_context

from smarketing.funnel.models import Lead
from surveys import selectors, services, tokens
from surveys.models import Invitee, ResultRelease
from surveys.views import form_started_token
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, public_survey

LEADS = [
    # lead_id, source, campaign, owner, score
    ("L1", "paid_social", "spring", "ann", 10),
    ("L2", "paid_social", "spring", "ann", 9),
    ("L3", "paid_social", "spring", "ann", 6),
    ("L4", "events", "expo", "ben", 3),
    ("L5", "events", "expo", "ben", 7),
    ("L6", "events", "expo", "ben", 10),
    ("L7", "webinar", "spring", "ann", 9),
]
PUBLIC_SCORES = [8, 8, 0]  # answered through the public link, no lead


def _nps_with_answers(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        for lead_id, source, campaign, owner, _ in LEADS:
            Lead.objects.create(
                lead_id=lead_id,
                created_at="2025-01-01T00:00Z",
                source=source,
                campaign=campaign,
                owner=owner,
            )
        survey = services.survey_create(
            created_by=admin,
            kind="nps",
            title="NPS",
            anonymity_threshold=3,
            public_link_enabled=True,
        )
        services.survey_customers_add(
            survey=survey,
            added_by=admin,
            customers=[{"email": f"{row[0]}@customer.test", "lead_id": row[0]} for row in LEADS],
        )
        survey = services.survey_open(survey=survey, opened_by=admin)
        for lead_id, *_, score in LEADS:
            invitee = Invitee.objects.get(survey=survey, lead_id=lead_id)
            token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
            services.survey_response_submit(token=token, score=score)
    for n, score in enumerate(PUBLIC_SCORES):
        client_for(ALPHA_HOST).post(
            f"/surveys/p/{survey.public_id}/",
            {"started": form_started_token(time.time() - 30), "score": score},
            REMOTE_ADDR=f"192.0.2.{n}",
        )
    with schema_context(alpha.schema_name):
        # k = 3: releases {L1, L2, L3} and {L4, L5, L6} went out in January 2025 (a second month
        # for the trend, and a finished quarter for the breakdowns); {L7, 8, 8} this month; the
        # last public answer (0) waits for two more.
        assert list(survey.releases.values_list("responses_count", flat=True)) == [3, 3, 3]
        ResultRelease.objects.filter(survey=survey, number__lte=2).update(
            released_on=date(2025, 1, 15)
        )
    return survey


def test_nps_shares_distribution_and_trend_by_release_month(alpha):
    survey = _nps_with_answers(alpha)
    with schema_context(alpha.schema_name):
        results = selectors.customer_results(survey)
    overall = results["overall"]
    # 9 released answers (10, 9, 6, 3, 7, 10, 9, 8, 8): promoters 4, detractors 2 → 2 / 9
    assert overall["nps"] == 22.22 and overall["responses"] == 9
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (
        0.444444,
        0.333333,
        0.222222,
    )
    assert results["distribution"]["10"] == 2 and results["distribution"]["8"] == 2
    assert results["distribution"]["0"] == 0  # the pending answer is in no figure
    assert sum(results["distribution"].values()) == 9
    january, this_month = results["trend"]
    assert january["month"] == "2025-01" and january["nps"] == 16.67  # 10 9 6 3 7 10: (3 − 2) / 6
    assert this_month["nps"] == 33.33  # 9, 8, 8
    assert results["participation"] | {"note": ""} == {
        "invited": 7,
        "invitations_sent": 0,
        "answered": 7,
        "participation_rate": 1.0,
        "public_answers": 3,
        "responses": 10,
        "in_results": 9,
        "hidden": False,
        "note": "",
    }
    assert results["release"]["pending"] == 1 and results["release"]["releases"] == 3


def test_nps_by_source_campaign_and_owner_uses_only_whole_quarters_cells(alpha):
    survey = _nps_with_answers(alpha)
    body = client_for(ALPHA_HOST, admin_of(alpha)).get(f"/api/v1/surveys/{survey.pk}/nps/").json()
    # Only 2025-Q1's cells count while the survey is open: L1–L3 and L4–L6.
    by_source = {row["group"]: row for row in body["by_source"]}
    assert by_source.keys() == {"paid_social", "events"}
    assert by_source["paid_social"]["nps"] == 33.33  # 10, 9, 6
    assert by_source["events"]["nps"] == 0.0  # 3, 7, 10
    assert {row["group"]: row["nps"] for row in body["by_owner"]} == {"ann": 33.33, "ben": 0.0}
    assert {row["group"] for row in body["by_campaign"]} == {"spring", "expo"}

    with schema_context(alpha.schema_name):
        services.survey_close(survey=survey)  # the last answer stays out: 1 < k
        results = selectors.customer_results(survey)
    # This quarter's cells (webinar 1, no lead 2) are below k: no group gains one answer, and
    # neither group is named.
    assert results["by_source"] == body["by_source"]
    assert results["overall"]["responses"] == 9
    assert "webinar" not in str(results) and "(no lead)" not in str(results)


def test_nps_below_threshold_shows_nothing(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(
            created_by=admin, kind="nps", title="Tiny", public_link_enabled=True
        )
        survey = services.survey_open(survey=survey, opened_by=admin)
        services.survey_public_response_submit(survey=survey, score=10, comment="Love it")
        results = selectors.customer_results(survey)
    assert results["overall"]["hidden"] is True
    assert results["comments"] is None and results["distribution"] is None
    assert "Love it" not in str(results)


def test_csat_is_the_share_of_four_and_five(alpha):
    survey = public_survey(alpha, "csat", (5, 4, 3, 2, 1, 5))
    with schema_context(alpha.schema_name):
        results = selectors.customer_results(survey)
    assert results["overall"]["csat"] == 0.5  # 5, 4, 5 of 6
    assert results["overall"]["mean"] == 3.33
    assert results["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
