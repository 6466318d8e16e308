from celery import shared_task
from django.db import OperationalError

from tenants.fanout import dangerously_in_each_active_workspace

from . import services


@shared_task(
    bind=True,
    name="funnel.import_job_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_job_run_task(self, job_id: int) -> str | None:
    """Run one import in the workspace it was sent from.

    Idempotent: the whole import commits at once, so a redelivery after a crash starts over and
    a redelivery after success does nothing. Memory stays bounded (the file streams to COPY).
    """
    job = services.import_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(
    bind=True,
    name="funnel.import_jobs_stale",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_jobs_stale_task(self) -> dict:
    """Requeue or fail the current workspace's imports that nothing is running (idempotent)."""
    stale = services.import_jobs_stale_recover()
    return {"requeued": stale.requeued, "failed": stale.failed}


@shared_task(name="funnel.import_jobs_stale_all")
def import_jobs_stale_all_task() -> int:
    """Public task for beat: queue every active workspace's stale-import check in its schema."""
    return dangerously_in_each_active_workspace(import_jobs_stale_task.delay)
