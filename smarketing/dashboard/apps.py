from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "smarketing.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        from smarketing.funnel.panels import data_page_panel_register

        from .panels import reasons_to_map_panel

        data_page_panel_register("dashboard.reasons_to_map", reasons_to_map_panel)
