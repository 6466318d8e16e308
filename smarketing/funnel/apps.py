from django.apps import AppConfig


class FunnelConfig(AppConfig):
    name = "smarketing.funnel"
    label = "funnel"
