from django.apps import AppConfig


class FunnelConfig(AppConfig):
    name = "smarketing.funnel"
    label = "funnel"

    def ready(self) -> None:
        from smarketing.core.queues import IMPORTS, task_kind_register

        task_kind_register("funnel.import_job_run", IMPORTS)
        from smarketing.core.outbox import Outbox, outbox_register

        from . import services
        from .models import ImportJob, ImportStatus

        outbox_register(
            Outbox(
                name=services.IMPORT_OUTBOX,
                model=ImportJob,
                pending_status=ImportStatus.QUEUED,
                send=services.import_job_send,
            )
        )
