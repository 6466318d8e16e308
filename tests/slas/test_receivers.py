"""The SLA app hears that KPI snapshots were refreshed, and judges its SLAs again on them; beat
judges every workspace hourly."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import KpiSnapshotJob
from smarketing.kpis.signals import snapshots_refreshed
from smarketing.slas import receivers
from smarketing.slas.models import SlaEvaluation
from smarketing.slas.tasks import sla_evaluate_task
from tests.factories.slas import sla_make

from .conftest import march_2025


def test_the_sla_app_subscribes_to_snapshot_refreshes():
    live = snapshots_refreshed._live_receivers(KpiSnapshotJob)[0]
    assert receivers.on_snapshots_refreshed in live


def test_beat_judges_every_workspace_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["slas-evaluate"]
    assert entry["task"] == "slas.evaluate_all" and entry["schedule"].minute == {7}


@pytest.mark.django_db
def test_a_refresh_queues_an_evaluation_of_the_refreshed_periods(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema_name):
        march_2025()
        sla = sla_make(name="MQLs", kpi="mqls", target=Decimal(4))
        job = kpi_services.kpi_snapshot_refresh_enqueue(
            import_id=None,
            start=datetime(2025, 3, 10, tzinfo=UTC),
            end=datetime(2025, 3, 11, tzinfo=UTC),
        )
        heard: list[dict] = []
        snapshots_refreshed.connect(
            lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-listener"
        )
        try:
            # The refresh announces itself once it committed …
            with django_capture_on_commit_callbacks(execute=False) as announcements:
                kpi_services.kpi_snapshot_refresh(job=job, until=datetime(2025, 3, 12, tzinfo=UTC))
            # … and the SLA app answers by sending its task once that commits (not run here).
            with django_capture_on_commit_callbacks(execute=False) as tasks:
                for announce in announcements:
                    announce()
        finally:
            snapshots_refreshed.disconnect(dispatch_uid="test-listener")
        [announcement] = heard
        assert announcement["job_id"] == job.pk
        assert ("month", datetime(2025, 3, 1, tzinfo=UTC)) in announcement["periods"]
        assert [task.__qualname__ for task in tasks] == ["on_snapshots_refreshed.<locals>.<lambda>"]
        # What that task does, run here: the refreshed month of March 2025 is judged.
        sla_evaluate_task(history=24, periods=[("month", "2025-03-01T00:00:00+00:00")])
        [row] = SlaEvaluation.objects.filter(sla=sla)
        assert (row.period_label, row.status, row.value) == ("2025-03", "met", Decimal(4))
