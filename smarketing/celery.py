"""The tenant-aware Celery app.

tenant-schemas-celery stamps each task with the schema that was active when it was sent and
switches the worker's connection to it before the task runs (and back to public afterwards), so
a task enqueued on workspace A's host always runs in A's schema.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings.dev")

app = CeleryApp("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
