from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "smarketing.configuration"
    label = "configuration"
    verbose_name = "Workspace settings"
