from django.apps import AppConfig


class SlasConfig(AppConfig):
    name = "smarketing.slas"
    label = "slas"
    verbose_name = "SLAs and shared definitions"

    def ready(self) -> None:
        from smarketing.core.queues import EMAIL, REFRESH, task_kind_register

        task_kind_register("slas.evaluate", REFRESH)
        task_kind_register("slas.alert_emails_send", EMAIL)
        from smarketing.kpis.signals import snapshots_refreshed

        from . import receivers

        snapshots_refreshed.connect(
            receivers.on_snapshots_refreshed, dispatch_uid="slas.snapshots_refreshed"
        )
