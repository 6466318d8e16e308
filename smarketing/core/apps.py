from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _data_version_triggers(sender, using, **kwargs) -> None:
    """After a migration of a workspace schema, every table it added gets its data version
    trigger (smarketing/core/data_version.py): a new table can never be forgotten."""
    from django.db import connections

    from .data_version import data_version_install, data_version_installable

    # Sent once per app with models, in order: the last one's is the end of the run.
    if sender is not [app for app in apps.get_app_configs() if app.models_module][-1]:
        return
    schema_name = getattr(connections[using], "schema_name", "public")
    if schema_name == "public" or not data_version_installable(using):
        return
    data_version_install(schema_name, using)


class CoreConfig(AppConfig):
    name = "smarketing.core"
    label = "core"

    def ready(self) -> None:
        post_migrate.connect(_data_version_triggers, dispatch_uid="data_version")
