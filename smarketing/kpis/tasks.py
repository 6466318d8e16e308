"""Celery tasks of the KPI engine: tenant tasks run in the schema they were sent from."""

from celery import shared_task
from django.db import OperationalError

from tenants.fanout import dangerously_in_each_active_workspace

from . import services
from .models import JobStatus, KpiSnapshotJob


@shared_task(
    bind=True,
    name="kpis.snapshot_refresh",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def kpi_snapshot_refresh_task(self, job_id: int) -> dict:
    """Run one snapshot refresh job; re-running it is safe (unchanged snapshots stay as they are).

    Memory: holds every affected period's measures and rounded KPIs (by source and owner) until
    the final write: for 18 months of a workspace with 1M leads, ~100 periods × ~35 groups.
    """
    job = KpiSnapshotJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return {"job": job_id, "skipped": "finished"}  # a late or second delivery
    job = services.kpi_snapshot_refresh(job=job)
    return {"job": job.pk, "periods": job.periods_total, "changed": job.snapshots_changed}


@shared_task(name="kpis.snapshot_nightly")
def kpi_snapshot_nightly_task() -> int:
    """Public task for beat: queue every active workspace's nightly refresh in its own schema."""
    return dangerously_in_each_active_workspace(services.kpi_snapshot_nightly_enqueue)


@shared_task(
    bind=True,
    name="kpis.snapshot_jobs_stale",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def kpi_snapshot_jobs_stale_task(self) -> dict:
    """Requeue or fail the current workspace's refresh jobs that nothing runs (idempotent)."""
    stale = services.kpi_snapshot_jobs_stale_recover()
    return {"requeued": stale.requeued, "failed": stale.failed}


@shared_task(name="kpis.snapshot_jobs_stale_all")
def kpi_snapshot_jobs_stale_all_task() -> int:
    """Public task for beat: run every active workspace's stale-refresh check in its schema."""
    return dangerously_in_each_active_workspace(kpi_snapshot_jobs_stale_task.delay)
