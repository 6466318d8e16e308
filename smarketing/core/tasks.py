from celery import shared_task

from .db import tenant_connection


@shared_task(name="core.worker_ping")
def worker_ping_task() -> str:
    """Answer with the schema the worker switched to: proves tasks run in their workspace."""
    return tenant_connection().schema_name
