from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "smarketing.kpis"
    label = "kpis"

    def ready(self) -> None:
        from smarketing.configuration.signals import kpi_inputs_changed
        from smarketing.funnel.signals import import_stored

        from . import receivers

        import_stored.connect(receivers.on_import_stored, dispatch_uid="kpis.import_stored")
        kpi_inputs_changed.connect(
            receivers.on_kpi_inputs_changed, dispatch_uid="kpis.kpi_inputs_changed"
        )
