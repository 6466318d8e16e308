"""Shared definitions: a version takes effect only once a marketing and a sales signer both
signed it, supersedes the one before only then, history is kept, and KPI snapshots record
the version in force."""

import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import KpiSnapshot
from smarketing.slas import services
from smarketing.slas.glossary import STANDARD_DEFINITIONS
from smarketing.slas.models import DefinitionVersion, TeamLead
from smarketing.slas.selectors import definition_signer_team, glossary_get
from tests.conftest import ALPHA_HOST, client_for, make_user
from tests.kpis.conftest import lead

pytestmark = pytest.mark.django_db


def stages(**texts) -> dict:
    return {
        stage: {"text": texts.get(stage, text), "criteria": {}}
        for stage, text in STANDARD_DEFINITIONS.items()
    }


@pytest.fixture
def signers(alpha, alice):
    """mia: marketing admin; sam: sales member named team lead; rob: sales admin; bob (viewer,
    sales), max (marketing member, no lead) and alice (admin, leadership) do not sign."""
    people = {
        "mia": make_user(alpha, "mia@alpha.test", "admin", "marketing"),
        "sam": make_user(alpha, "sam@alpha.test", "member", "sales"),
        "rob": make_user(alpha, "rob@alpha.test", "admin", "sales"),
        "max": make_user(alpha, "max@alpha.test", "member", "marketing"),
        "alice": alice,
    }
    with schema_context(alpha.schema_name):
        services.team_leads_set(leads={"sales": [people["sam"]], "marketing": []})
    return people


def test_a_version_takes_effect_only_when_both_teams_signed(alpha, signers):
    with schema_context(alpha.schema_name):
        glossary = glossary_get()
        assert (glossary.number, glossary.version) == (1, None)  # the standard definitions
        v2 = services.definition_version_create(
            author=signers["alice"], stages=stages(mql="Score ≥ 60 and a company size."),
            note="MQLs need a score",
        )  # fmt: skip
        assert v2.number == 2 and v2.status == "awaiting_signatures"
        services.definition_version_sign(version=v2, user=signers["mia"])
        # One team only: not in force, the standard definitions still are.
        assert glossary_get().number == 1 and workspace_settings_get().definitions_version == 1
        v2 = services.definition_version_sign(version=v2, user=signers["sam"])
        assert v2.status == "in_force"
        glossary = glossary_get()
        assert glossary.number == 2 and workspace_settings_get().definitions_version == 2
        assert glossary.stages[1]["text"] == "Score ≥ 60 and a company size."


def test_a_new_version_supersedes_the_old_one_only_after_both_signatures(alpha, signers):
    with schema_context(alpha.schema_name):
        v2 = services.definition_version_create(author=signers["alice"], stages=stages())
        services.definition_version_sign(version=v2, user=signers["mia"])
        services.definition_version_sign(version=v2, user=signers["rob"])
        v3 = services.definition_version_create(
            author=signers["alice"], stages=stages(sql="Accepted after a discovery call.")
        )
        services.definition_version_sign(version=v3, user=signers["sam"])
        v2.refresh_from_db()
        assert v2.status == "in_force" and glossary_get().number == 2
        services.definition_version_sign(version=v3, user=signers["mia"])
        v2.refresh_from_db()
        v3.refresh_from_db()
        assert (v2.status, v3.status) == ("superseded", "in_force")
        assert [version.number for version in glossary_get().history] == [3, 2]  # kept
        assert workspace_settings_get().definitions_version == 3


def test_a_newer_draft_withdraws_the_one_awaiting_signatures(alpha, signers):
    with schema_context(alpha.schema_name):
        v2 = services.definition_version_create(author=signers["alice"], stages=stages())
        services.definition_version_sign(version=v2, user=signers["mia"])
        v3 = services.definition_version_create(author=signers["alice"], stages=stages())
        v2.refresh_from_db()
        assert (v2.status, v3.number) == ("withdrawn", 3)
        with pytest.raises(ValidationError, match="Version 2 is withdrawn"):
            services.definition_version_sign(version=v2, user=signers["sam"])


@pytest.mark.parametrize("person", ["max", "alice"])
def test_only_team_admins_and_named_leads_sign(alpha, signers, bob, person):
    with schema_context(alpha.schema_name):
        v2 = services.definition_version_create(author=signers["alice"], stages=stages())
        for user in (signers[person], bob):
            assert definition_signer_team(user) is None
            with pytest.raises(PermissionDenied):
                services.definition_version_sign(version=v2, user=user)
        assert {definition_signer_team(signers[name]) for name in ("mia", "sam", "rob")} == {
            "marketing", "sales",
        }  # fmt: skip
        services.definition_version_sign(version=v2, user=signers["rob"])
        with pytest.raises(ValidationError, match="Sales has already signed version 2"):
            services.definition_version_sign(version=v2, user=signers["sam"])
        assert v2.signoffs.count() == 1


def test_a_team_lead_must_belong_to_the_team(alpha, signers):
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match=r"max@alpha\.test is not in the sales team"):
            services.team_leads_set(leads={"sales": [signers["max"]]})
        assert list(TeamLead.objects.values_list("user__email", flat=True)) == ["sam@alpha.test"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mql": {"text": " "}}, "MQL (marketing qualified lead): write what counts as one"),
        ({"sql": {"text": "x", "criteria": {"min_lead_score": 101}}}, "from 0 to 100"),
        ({"lead": {"text": "x", "criteria": {"required_fields": ["age"]}}}, "required fields"),
    ],
)
def test_an_incomplete_version_is_refused(alpha, signers, change, message):
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match=re.escape(message)):
            services.definition_version_create(
                author=signers["alice"], stages={**stages(), **change}
            )
        assert not DefinitionVersion.objects.exists()


def test_kpi_snapshots_record_the_version_in_force(alpha, signers):
    with schema_context(alpha.schema_name):
        lead(created_at="2025-03-02")

        def refresh() -> KpiSnapshot:
            job = kpi_services.kpi_snapshot_refresh_enqueue(
                import_id=None,
                start=datetime(2025, 3, 1, tzinfo=UTC),
                end=datetime(2025, 3, 3, tzinfo=UTC),
            )
            kpi_services.kpi_snapshot_refresh(job=job, until=datetime(2025, 3, 4, tzinfo=UTC))
            return KpiSnapshot.objects.get(grain="month", label="2025-03")

        assert refresh().definitions_version == 1
        v2 = services.definition_version_create(author=signers["alice"], stages=stages())
        services.definition_version_sign(version=v2, user=signers["mia"])
        assert refresh().definitions_version == 1  # signed by one team: not in force
        services.definition_version_sign(version=v2, user=signers["sam"])
        assert refresh().definitions_version == 2


def test_glossary_pages_read_by_everyone_written_and_signed_by_signers(alpha, signers, bob_client):
    alice_client = client_for(ALPHA_HOST, signers["alice"])
    form = alice_client.get("/glossary/new/").context["form"]
    data = {name: field.value() for name, field in ((field.html_name, field) for field in form)}
    data = {key: value for key, value in data.items() if value is not None}
    data.update({"text_mql": "A lead with a demo request.", "fields_mql": ["company_size"],
                 "score_mql": "60", "note": "Demo requests only"})  # fmt: skip
    response = alice_client.post("/glossary/new/", data)
    assert response.status_code == 302
    page = bob_client.get("/glossary/").content.decode()
    assert "Version 2 awaits signatures" in page and "A lead with a demo request." in page
    assert "Must have: company_size" in page and "Lead score at least 60" in page
    assert bob_client.post("/glossary/2/sign/").status_code == 403  # a viewer
    max_client = client_for(ALPHA_HOST, signers["max"])
    assert max_client.post("/glossary/2/sign/").status_code == 403  # not a signer
    assert max_client.get("/glossary/new/").status_code == 403
    for name in ("mia", "sam"):
        signed = client_for(ALPHA_HOST, signers[name]).post("/glossary/2/sign/")
        assert signed.status_code == 302
    page = bob_client.get("/glossary/").content.decode()
    assert "<strong>Version 2</strong>" in page and "in force since" in page
    assert bob_client.get("/glossary/2/").status_code == 200
    assert bob_client.get("/glossary/9/").status_code == 404
