"""Workspace settings: admin-only API and page, validation, definitions version, isolation."""

import pytest
from django_tenants.utils import schema_context

from smarketing.configuration.models import ChannelOwnership, WorkspaceSettings
from smarketing.kpis.models import KpiSnapshotJob

pytestmark = pytest.mark.django_db


def test_admin_updates_settings_and_kpi_inputs_queue_a_refresh(
    alpha, alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.patch(
            "/api/v1/settings/",
            {
                "time_zone": "Europe/Paris",
                "currency": "eur",
                "response_sla_hours": "4",
                "channel_ownership": {"events": "sales"},
                "kpi_targets": [{"kpi": "mql_to_sql_rate", "comparator": ">=", "target": "0.3"}],
            },
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["time_zone"], body["currency"], body["response_sla_hours"]) == (
        "Europe/Paris",
        "EUR",
        "4.00",
    )
    # Settings are no change of the shared definitions: that number is the signed glossary's.
    assert body["definitions_version"] == 1
    assert body["channel_ownership"] == {"events": "sales"}
    assert body["kpi_targets"][0]["kpi"] == "mql_to_sql_rate"
    # One snapshot refresh, and the evaluation of the new target (a shared monthly SLA).
    assert len(callbacks) == 2
    with schema_context(alpha.schema_name):
        assert KpiSnapshotJob.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"currency": "EU"}, "currency"),
        ({"response_sla_hours": "0"}, "response_sla_hours"),
        ({"conversion_window_days": 0}, "conversion_window_days"),
        ({"kpi_targets": [{"kpi": "happiness", "comparator": ">=", "target": "1"}]}, "detail"),
    ],
)
def test_invalid_settings_are_refused(alpha, alice_client, payload, field):
    response = alice_client.patch("/api/v1/settings/", payload, content_type="application/json")
    assert response.status_code == 400
    assert field in str(response.json())
    with schema_context(alpha.schema_name):
        assert not WorkspaceSettings.objects.filter(time_zone="Mars/Olympus").exists()


def test_settings_are_for_admins_of_the_workspace_only(alpha, beta, bob_client, charlie_client):
    with schema_context(alpha.schema_name):
        ChannelOwnership.objects.create(source="alpha_secret_channel", team="sales")
    assert bob_client.get("/api/v1/settings/").status_code == 403
    assert bob_client.get("/settings/").status_code == 403
    body = charlie_client.get("/api/v1/settings/").json()
    assert body["channel_ownership"] == {}


def test_settings_page_saves_the_form(alpha, alice_client):
    page = alice_client.get("/settings/")
    assert page.status_code == 200 and b"Workspace settings" in page.content
    response = alice_client.post(
        "/settings/",
        {
            "time_zone": "UTC",
            "currency": "USD",
            "response_sla_hours": "12",
            "conversion_window_days": "30",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/settings/#general"
    with schema_context(alpha.schema_name):
        row = WorkspaceSettings.objects.get()
        assert (row.conversion_window_days, row.definitions_version) == (30, 1)


def _settings_command(*arguments: str) -> dict:
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("workspace_settings", "alpha", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_workspace_settings_command_prints_and_sets_settings(
    alpha, django_capture_on_commit_callbacks
):
    body = _settings_command()
    assert body["time_zone"] == "UTC" and body["currency"] == "USD"
    assert body["response_sla_hours"] == 24 and body["conversion_window_days"] is None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        body = _settings_command(
            "--set", "time_zone=Europe/Madrid", "--set", "currency=eur",
            "--set", "response_sla_hours=4.5", "--set", "conversion_window_days=90",
        )  # fmt: skip
    assert (body["time_zone"], body["currency"]) == ("Europe/Madrid", "EUR")
    assert (body["response_sla_hours"], body["conversion_window_days"]) == (4.5, 90)
    # KPI inputs changed: the snapshot refresh is queued as the settings API does.
    assert len(callbacks) == 1
    with schema_context(alpha.schema_name):
        assert KpiSnapshotJob.objects.count() == 1
        row = WorkspaceSettings.objects.get()
        assert (row.time_zone, str(row.response_sla_hours)) == ("Europe/Madrid", "4.50")
    body = _settings_command("--set", "conversion_window_days=none")
    assert body["conversion_window_days"] is None


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("colour=blue", "colour: unknown setting"),
        ("time_zone=Mars/Olympus", "time_zone"),
        ("currency=EURO", "currency"),
        ("response_sla_hours=soon", "response_sla_hours"),
        ("response_sla_hours=0", "response_sla_hours: must be more than 0"),
        ("response_sla_hours=1e12", "response_sla_hours"),
        ("conversion_window_days=-3", "conversion_window_days"),
        ("conversion_window_days=0", "conversion_window_days"),
        ("alignment_weights={}", "alignment_weights"),
        ("time_zone", "KEY=VALUE"),
    ],
)
def test_workspace_settings_command_refuses_and_changes_nothing(alpha, assignment, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nothing changed") as raised:
        # A valid change beside the bad one is not applied either.
        _settings_command("--set", "currency=GBP", "--set", assignment)
    assert message in str(raised.value)
    with schema_context(alpha.schema_name):
        assert not WorkspaceSettings.objects.exclude(currency="USD").exists()


def test_stages_from_deals_is_set_through_the_api_and_the_page(
    alpha, alice_client, django_capture_on_commit_callbacks
):
    assert alice_client.get("/api/v1/settings/").json()["stages_from_deals"] is False
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.patch(
            "/api/v1/settings/", {"stages_from_deals": True}, content_type="application/json"
        )
    assert response.status_code == 200 and response.json()["stages_from_deals"] is True
    assert len(callbacks) == 1  # KPIs change: the snapshot refresh is queued
    page = alice_client.get("/settings/")
    assert b"Stages from deals" in page.content
    response = alice_client.post(
        "/settings/",
        {"time_zone": "UTC", "currency": "USD", "response_sla_hours": "24"},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        assert WorkspaceSettings.objects.get().stages_from_deals is False  # unticked
    assert _settings_command("--set", "stages_from_deals=on")["stages_from_deals"] == "on"
