"""NPS and CSAT on hand-computed answers: shares, months, and NPS by lead source/campaign/owner."""

import time
from datetime import date

from django_tenants.utils import schema_context

from smarketing.funnel.models import Lead
from surveys import selectors, services, tokens
from surveys.models import Invitee, Response
from surveys.views import form_started_token
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of

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
        # The public answers came in January: a second month for the trend.
        Response.objects.filter(survey=survey, lead_id="").update(submitted_on=date(2025, 1, 15))
    return survey


def test_nps_shares_distribution_and_trend_by_month(alpha):
    survey = _nps_with_answers(alpha)
    with schema_context(alpha.schema_name):
        results = selectors.customer_results(survey)
    overall = results["overall"]
    # 10 answers: promoters 10, 9, 10, 9; detractors 6, 3, 0 → (4 − 3) / 10
    assert overall["nps"] == 10.0 and overall["responses"] == 10
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (0.4, 0.3, 0.3)
    assert results["distribution"]["10"] == 2 and results["distribution"]["8"] == 2
    assert sum(results["distribution"].values()) == 10
    january, this_month = results["trend"]
    assert january["month"] == "2025-01" and january["nps"] == -33.33  # 8, 8, 0
    assert this_month["nps"] == 28.57  # 4 promoters, 2 detractors of 7


def test_nps_by_source_campaign_and_owner_with_suppression(alpha):
    survey = _nps_with_answers(alpha)
    body = client_for(ALPHA_HOST, admin_of(alpha)).get(f"/api/v1/surveys/{survey.pk}/nps/").json()
    by_source = {row["group"]: row for row in body["by_source"]}
    assert by_source["paid_social"]["nps"] == 33.33  # 10, 9, 6
    assert by_source["events"]["nps"] == 0.0  # 3, 7, 10
    # webinar has 1 answer (< k = 3); the smallest visible group goes too, else
    # overall − the others would give the webinar answer away.
    assert by_source["webinar"]["hidden"] is True
    assert by_source["(no lead)"]["hidden"] is True
    by_owner = {row["group"]: row for row in body["by_owner"]}
    assert by_owner["ann"]["nps"] == 50.0  # 10, 9, 6, 9
    assert by_owner["ben"]["nps"] == 0.0
    assert {row["group"] for row in body["by_campaign"]} == {"spring", "expo", "(no lead)"}


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
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(
            created_by=admin,
            kind="csat",
            title="Support",
            anonymity_threshold=3,
            public_link_enabled=True,
        )
        survey = services.survey_open(survey=survey, opened_by=admin)
        for score in (5, 4, 3, 2):
            services.survey_public_response_submit(survey=survey, score=score)
        results = selectors.customer_results(survey)
    assert results["overall"]["csat"] == 0.5
    assert results["overall"]["mean"] == 3.5
    assert results["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
