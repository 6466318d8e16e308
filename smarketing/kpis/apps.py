from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "smarketing.kpis"
    label = "kpis"

    def ready(self) -> None:
        from smarketing.configuration.signals import kpi_inputs_changed
        from smarketing.core.outbox import Outbox, outbox_register
        from smarketing.core.queues import REFRESH, task_kind_register
        from smarketing.funnel.panels import data_page_panel_register
        from smarketing.funnel.signals import import_stored, reasons_relabelled

        from . import panels, receivers, services
        from .models import JobStatus, KpiSnapshotJob

        task_kind_register("kpis.snapshot_refresh", REFRESH)
        outbox_register(
            Outbox(
                name=services.KPI_REFRESH_OUTBOX,
                model=KpiSnapshotJob,
                pending_status=JobStatus.QUEUED,
                send=services.kpi_snapshot_job_send,
            )
        )

        import_stored.connect(receivers.on_import_stored, dispatch_uid="kpis.import_stored")
        reasons_relabelled.connect(
            receivers.on_reasons_relabelled, dispatch_uid="kpis.reasons_relabelled"
        )
        kpi_inputs_changed.connect(
            receivers.on_kpi_inputs_changed, dispatch_uid="kpis.kpi_inputs_changed"
        )
        data_page_panel_register("kpis.snapshot_jobs", panels.snapshot_jobs_panel)
