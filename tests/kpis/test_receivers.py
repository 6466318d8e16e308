"""The KPI engine hears what lower apps announce: a stored import and a changed setting.

Without these subscriptions an import would never refresh the dashboard, silently: the funnel
and configuration apps cannot call the KPI app (STYLE.md's one-way rule), they only announce.
"""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files import File
from django_tenants.utils import schema_context

from smarketing.configuration.models import WorkspaceSettings
from smarketing.configuration.services import workspace_settings_update
from smarketing.configuration.signals import kpi_inputs_changed
from smarketing.funnel import reason_services
from smarketing.funnel import services as funnel_services
from smarketing.funnel.models import ImportJob, Reason
from smarketing.funnel.signals import import_stored, reasons_relabelled
from smarketing.kpis import receivers, services
from smarketing.kpis.models import KpiSnapshot, KpiSnapshotJob
from tests.kpis.conftest import lead


def _receivers(signal, sender) -> list:
    return [receiver for receiver in signal._live_receivers(sender)[0]]


def test_the_kpi_app_subscribes_to_stored_imports():
    assert receivers.on_import_stored in _receivers(import_stored, ImportJob)


def test_the_kpi_app_subscribes_to_setting_changes():
    assert receivers.on_kpi_inputs_changed in _receivers(kpi_inputs_changed, WorkspaceSettings)


def test_the_kpi_app_subscribes_to_relabelled_reasons():
    assert receivers.on_reasons_relabelled in _receivers(reasons_relabelled, Reason)


@pytest.mark.django_db
def test_mapping_a_reason_value_queues_a_refresh_of_the_rows_periods(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema_name):
        lead("L1", created_at="2025-03-01", rejected_at="2025-03-14", rejection_reason="Meh")
        lead("L2", created_at="2025-03-01", rejected_at="2025-06-02", rejection_reason="meh")
        not_a_fit = Reason.objects.get(kind="rejection", name="Not a fit")
        with django_capture_on_commit_callbacks(execute=True):
            reason_services.reason_value_map(kind="rejection", value="MEH", reason=not_a_fit)
        job = KpiSnapshotJob.objects.get()
        assert job.range_start == datetime(2025, 3, 14, tzinfo=UTC)
        assert job.range_end >= datetime(2025, 6, 2, tzinfo=UTC)


@pytest.mark.django_db
def test_a_stored_import_queues_a_refresh_of_the_periods_it_touched(
    alpha, django_capture_on_commit_callbacks
):
    leads = "lead_id,created_at,source\nL1,2025-03-14,email\nL2,2025-05-02,events\n"
    with schema_context(alpha.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            accepted = funnel_services.import_job_create(
                file=File(io.BytesIO(leads.encode()), name="leads.csv"),
                file_name="leads.csv",
                kind="leads",
                file_format="canonical",
                enqueue=False,
            )
            funnel_services.import_job_run(job_id=accepted.job.pk)
        job = KpiSnapshotJob.objects.get()
        assert job.import_ids == [accepted.job.pk]
        assert job.range_start == datetime(2025, 3, 14, tzinfo=UTC)
        assert job.range_end >= datetime(2025, 5, 2, tzinfo=UTC)


@pytest.mark.django_db
def test_a_time_zone_change_keeps_the_old_zones_snapshots_until_the_refresh_replaces_them(
    alpha,
):
    with schema_context(alpha.schema_name):
        KpiSnapshot.objects.create(
            grain="month",
            label="2025-01",
            period_start=datetime(2025, 1, 1, tzinfo=UTC),
            period_end=datetime(2025, 2, 1, tzinfo=UTC),
            kpis={},
            computed_at=datetime(2025, 2, 1, tzinfo=UTC),
            definitions_version=1,
        )
        workspace_settings_update(changes={"currency": "EUR"})
        assert KpiSnapshot.objects.count() == 1  # the currency is no KPI input
        lead(created_at="2025-01-15")
        workspace_settings_update(changes={"time_zone": "Europe/Paris"})
        # Kept (pages show them, marked "recomputing"); the whole history is queued.
        assert KpiSnapshot.objects.count() == 1
        [job] = KpiSnapshotJob.objects.all()
        assert job.range_start == datetime(2025, 1, 1, tzinfo=UTC)  # the first snapshot
        services.kpi_snapshot_refresh(job=job, until=datetime(2025, 2, 10, tzinfo=UTC))
        paris = ZoneInfo("Europe/Paris")
        january = KpiSnapshot.objects.get(grain="month", label="2025-01")
        assert january.period_start == datetime(2025, 1, 1, tzinfo=paris)  # the new zone's
        assert january.kpis["leads"] == 1


def test_the_kpi_app_adds_its_snapshot_jobs_to_the_data_page():
    from smarketing.funnel.panels import data_page_panel_names

    assert "kpis.snapshot_jobs" in data_page_panel_names()


@pytest.mark.django_db
def test_the_data_page_lists_snapshot_jobs_and_the_overview_does_not(alpha, bob_client):
    with schema_context(alpha.schema_name):
        services.kpi_snapshot_refresh_enqueue(
            import_id=None,
            start=datetime(2025, 1, 1, tzinfo=UTC),
            end=datetime(2025, 1, 2, tzinfo=UTC),
        )
    assert "KPI snapshot jobs" in bob_client.get("/data/").content.decode()
    assert "snapshot jobs" not in bob_client.get("/").content.decode().lower()
