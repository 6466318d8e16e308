from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "smarketing.dashboard"
    label = "dashboard"
