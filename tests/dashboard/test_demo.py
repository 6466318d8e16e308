"""The demo workspace's team logins and SLAs."""

from datetime import UTC

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, period_containing
from smarketing.dashboard.demo import (
    DEMO_SLAS,
    demo_glossary_seed,
    demo_reasons_seed,
    demo_slas_seed,
    demo_team_logins,
)
from smarketing.funnel.services import demo_data_import
from smarketing.slas.models import Sla, SlaEvaluation
from surveys.demo import survey_demo_seed
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_one_marketing_and_one_sales_member_can_sign_in(alpha, alice):
    make_user(alpha, "mia@alpha.test", "member", "marketing")
    make_user(alpha, "sam@alpha.test", "viewer", "sales")
    with schema_context(alpha.schema_name):
        logins = demo_team_logins()
        assert logins == [
            ("marketing", "mia@alpha.test", "demo-marketing-pass"),
            ("sales", "sam@alpha.test", "demo-sales-pass"),
        ]
        assert authenticate(username="sam@alpha.test", password="demo-sales-pass") is not None
        assert demo_team_logins() == logins  # idempotent


def test_demo_slas_are_agreed_and_judged_once(alpha):
    with schema_context(alpha.schema_name):
        judged = demo_slas_seed()
        # 3 monthly SLAs × (12 closed months + the one in progress), 2 quarterly × (4 + 1).
        assert judged == 3 * 13 + 2 * 5
        assert sorted(Sla.objects.values_list("name", flat=True)) == sorted(
            sla["name"] for sla in DEMO_SLAS
        )
        assert SlaEvaluation.objects.count() == judged
        assert demo_slas_seed() == 0


@pytest.fixture
def demo_in_alpha(alpha, alice, settings, tmp_path):
    """What `make run` puts in the demo workspace (load_demo_workspace), in alpha, with fewer
    leads: reasons mapped, funnel data imported, survey history, SLAs, signed glossary."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with schema_context(alpha.schema_name):
        assert demo_reasons_seed() == 3
        jobs = demo_data_import(directory=tmp_path / "demo-data", leads=2500)
        assert {job.status for job in jobs} == {"succeeded"}
        assert survey_demo_seed()
        assert demo_slas_seed() > 0
        assert demo_glossary_seed() == 2
    return alpha


def test_a_newcomer_sees_the_demos_agreements_breaches_glossary_and_reasons(
    demo_in_alpha, alice_client
):
    now = timezone.now()
    last_month = period_containing(Grain.MONTH, now.date(), UTC).previous().label
    # The default SLAs with a year of compliance history.
    page = alice_client.get("/slas/")
    assert page.status_code == 200
    standings = {standing.sla.name: standing for standing in page.context["standings"]}
    assert set(standings) == {sla["name"] for sla in DEMO_SLAS}
    with schema_context(demo_in_alpha.schema_name):
        for sla in Sla.objects.filter(period="month"):
            assert sla.evaluations.filter(final=True).count() == 12, sla.name
    assert all(standing.compliance[12] is not None for standing in standings.values())
    # One SLA at risk this month, and its breach notification in the inbox.
    at_risk = [
        name
        for name, standing in standings.items()
        if standing.forecast
        and standing.forecast.status == "at_risk"
        and standing.sla.period == "month"
    ]
    assert at_risk == ["MQLs delivered"]
    inbox = alice_client.get("/notifications/")
    assert "MQLs delivered" in inbox.content.decode()
    assert "unread" in inbox.content.decode()  # the navigation's count
    # The list of overdue MQLs, and a month's breaches.
    overdue = alice_client.get("/slas/breaches/?kind=response&since=all")
    assert overdue.context["breaches"].total > 0
    breached = alice_client.get(f"/slas/breaches/?kind=disposition&period={last_month}")
    assert breached.context["breaches"].total > 0
    # The glossary signed by both teams.
    glossary = alice_client.get("/glossary/")
    version = glossary.context["glossary"].version
    assert version.number == 2
    assert {signoff.team for signoff in version.signoffs.all()} == {"marketing", "sales"}
    assert "signed by" in glossary.content.decode()
    # The rejection and loss reason charts, in the lists' words, one value left to map.
    reasons = alice_client.get(f"/reasons/?period={last_month}")
    charts = reasons.context["charts_json"]
    rejection_labels = charts["rejections-by-reason"]["data"]["labels"]
    assert (
        "Not a fit" in rejection_labels and "Not our ideal customer profile" not in rejection_labels
    )
    assert "Competitor" in charts["losses-by-reason"]["data"]["labels"]
    assert all(chart.has_data for chart in reasons.context["charts"])
    lists = alice_client.get("/reasons/lists/").content.decode()
    assert "Bad timing - back to nurturing" in lists
