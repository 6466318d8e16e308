from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _settings_written(sender, **kwargs) -> None:
    from .selectors import workspace_settings_forget

    workspace_settings_forget()


class ConfigurationConfig(AppConfig):
    name = "smarketing.configuration"
    label = "configuration"
    verbose_name = "Workspace settings"

    def ready(self) -> None:
        from .models import WorkspaceSettings

        # A request that writes the settings reads the new row afterwards.
        post_save.connect(_settings_written, sender=WorkspaceSettings, dispatch_uid="settings-memo")
        post_delete.connect(
            _settings_written, sender=WorkspaceSettings, dispatch_uid="settings-memo-delete"
        )
