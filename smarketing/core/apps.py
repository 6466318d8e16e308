from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "smarketing.core"
    label = "core"
