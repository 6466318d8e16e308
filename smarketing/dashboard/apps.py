from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "smarketing.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        from smarketing.core.queues import EMAIL, task_kind_register

        task_kind_register("dashboard.alignment_report_email", EMAIL)
        from smarketing.funnel.panels import data_page_panel_register

        from .panels import reasons_to_map_panel

        data_page_panel_register("dashboard.reasons_to_map", reasons_to_map_panel)
