"""The SLA API: the same rules and messages as files and pages, admins write, members and
viewers read, and nothing of alpha from beta."""

import pytest
from django_tenants.utils import schema_context

from smarketing.slas.models import Sla
from tests.conftest import ALPHA_HOST, client_for, make_user
from tests.factories.slas import sla_make

from .conftest import SLAS, march_2025

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(alpha):
    return client_for(ALPHA_HOST, make_user(alpha, "mia@alpha.test", "member", "marketing"))


def test_admin_creates_updates_and_retires_an_sla(alpha, alice_client):
    created = alice_client.post("/api/v1/slas/create/", SLAS[0], content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["target"], body["source"], body["latest"]) == (
        "MQLs delivered", 4, None, None,
    )  # fmt: skip
    pk = body["id"]
    updated = alice_client.patch(
        f"/api/v1/slas/{pk}/update/", {"target": 6}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["target"] == 6
    retired = alice_client.post(f"/api/v1/slas/{pk}/retire/")
    assert retired.json()["retired_at"] is not None
    assert alice_client.get("/api/v1/slas/").json() == []
    assert [sla["name"] for sla in alice_client.get("/api/v1/slas/?retired=1").json()] == [
        "MQLs delivered"
    ]


def test_the_api_refuses_an_invalid_sla_naming_it(alpha, alice_client):
    response = alice_client.post(
        "/api/v1/slas/create/",
        {**SLAS[0], "kpi": "win_rate", "target": 40},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == [
        'SLA "MQLs delivered": a rate target is a fraction between 0 and 1 (0.3 for 30 %), not 40'
    ]
    with schema_context(alpha.schema_name):
        assert not Sla.objects.exists()


def test_apply_and_evaluate_through_the_api(alpha, alice_client):
    applied = alice_client.put(
        "/api/v1/slas/apply/", {"slas": SLAS}, content_type="application/json"
    )
    assert applied.status_code == 200 and len(applied.json()["created"]) == 9
    refused = alice_client.put(
        "/api/v1/slas/apply/",
        {"slas": [{**SLAS[0], "period": "year"}]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == [
        "SLA \"MQLs delivered\": unknown period 'year' (week, month or quarter)"
    ]
    with schema_context(alpha.schema_name):
        march_2025()
        assert Sla.objects.filter(retired_at=None).count() == 9
    body = alice_client.post(
        "/api/v1/slas/evaluate/", {"period": "2025-03"}, content_type="application/json"
    ).json()
    statuses = {sla["name"]: (sla["value"], sla["status"]) for sla in body["slas"]}
    assert statuses["MQLs delivered"] == (4, "met")
    assert statuses["Rejection rate"] == (0.25, "missed")
    with schema_context(alpha.schema_name):
        revenue = Sla.objects.get(name="Revenue")
    history = alice_client.get(f"/api/v1/slas/{revenue.pk}/history/").json()["evaluations"]
    assert [(row["period"], row["value"], row["status"]) for row in history] == [
        ("2025-03", 1000.5, "met")
    ]


def test_members_and_viewers_read_but_do_not_write(alpha, bob_client, member_client):
    with schema_context(alpha.schema_name):
        sla = sla_make(name="Alpha SLA")
    for client in (bob_client, member_client):
        assert client.get("/api/v1/slas/").json()[0]["name"] == "Alpha SLA"
        assert client.get(f"/api/v1/slas/{sla.pk}/").status_code == 200
        assert client.get(f"/api/v1/slas/{sla.pk}/history/").status_code == 200
        writes = [
            client.post("/api/v1/slas/create/", SLAS[0], content_type="application/json"),
            client.patch(f"/api/v1/slas/{sla.pk}/update/", {"target": 1},
                         content_type="application/json"),
            client.post(f"/api/v1/slas/{sla.pk}/retire/"),
            client.put("/api/v1/slas/apply/", {"slas": []}, content_type="application/json"),
            client.post("/api/v1/slas/evaluate/", {"period": "2025-03"},
                        content_type="application/json"),
        ]  # fmt: skip
        assert [response.status_code for response in writes] == [403] * 5
        # Pages: members and viewers read, only admins edit.
        assert client.get("/slas/").status_code == 200
        assert client.get(f"/slas/{sla.pk}/").status_code == 200
        assert client.get("/slas/new/").status_code == 403
        assert client.post(f"/slas/{sla.pk}/retire/").status_code == 403
    with schema_context(alpha.schema_name):
        assert Sla.objects.get().retired_at is None and Sla.objects.count() == 1


def test_beta_sees_nothing_of_alphas_slas(alpha, beta, charlie_client):
    with schema_context(alpha.schema_name):
        sla = sla_make(name="Alpha SLA")
    assert charlie_client.get("/api/v1/slas/").json() == []
    assert charlie_client.get(f"/api/v1/slas/{sla.pk}/").status_code == 404
    assert charlie_client.get(f"/slas/{sla.pk}/").status_code == 404
    assert b"Alpha SLA" not in charlie_client.get("/slas/").content
    # An SLA beta makes is beta's only.
    charlie_client.post("/api/v1/slas/create/", SLAS[0], content_type="application/json")
    with schema_context(alpha.schema_name):
        assert list(Sla.objects.values_list("name", flat=True)) == ["Alpha SLA"]
    with schema_context(beta.schema_name):
        assert list(Sla.objects.values_list("name", flat=True)) == ["MQLs delivered"]


def test_settings_api_keeps_kpi_targets_as_shared_monthly_slas(alpha, alice_client):
    response = alice_client.patch(
        "/api/v1/settings/",
        {"kpi_targets": [{"kpi": "win_rate", "comparator": ">=", "target": "0.25"}]},
        content_type="application/json",
    )
    assert response.json()["kpi_targets"] == [
        {"kpi": "win_rate", "comparator": ">=", "target": "0.250000"}
    ]
    with schema_context(alpha.schema_name):
        sla = Sla.objects.get()
        assert (sla.name, sla.team, sla.period, sla.source) == (
            "Win rate target", "shared", "month", "",
        )  # fmt: skip
    # An SLA of a team, or of one source, is no KPI target.
    with schema_context(alpha.schema_name):
        sla_make(name="Webinar MQLs", kpi="mqls", source="webinar", team="shared")
        sla_make(name="Sales MQLs", kpi="mqls", team="sales")
    kpis = [target["kpi"] for target in alice_client.get("/api/v1/settings/").json()["kpi_targets"]]
    assert kpis == ["win_rate"]
