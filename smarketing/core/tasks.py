from celery import shared_task

from .db import tenant_connection


@shared_task(name="core.worker_ping")
def worker_ping_task() -> str:
    """Answer with the schema the worker switched to: proves tasks run in their workspace."""
    return tenant_connection().schema_name


def task_send_now(task, *args) -> None:
    """Publish `task(*args)` once, failing fast (about a second) when the broker is down,
    instead of Celery's default of retrying for seconds: the outbox sends it later."""
    with task.app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        task.apply_async(args=args, connection=broker, retry=False)
