"""Stored KPI snapshots (one per week, month and quarter) and the jobs that compute them."""

from django.db import models


class SnapshotGrain(models.TextChoices):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class KpiSnapshot(models.Model):
    """Every KPI of one standard period, rounded as the API returns it, with its provenance."""

    grain = models.CharField(max_length=7, choices=SnapshotGrain.choices)
    label = models.CharField(max_length=16)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    kpis = models.JSONField()
    by_source = models.JSONField(default=dict)
    by_owner = models.JSONField(default=dict)
    # Counts by group that are no KPI: content by asset and persona, loss and rejection reasons.
    details = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    # The imports whose data triggered a computation of this period (nightly refreshes add none).
    import_ids = models.JSONField(default=list)
    definitions_version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period_start"], name="kpi_snapshot_period_key"
            )
        ]
        ordering = ["grain", "period_start"]

    def __str__(self) -> str:
        return f"{self.grain} {self.label}"


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class KpiSnapshotJob(models.Model):
    """One refresh of the snapshots overlapping `[range_start, range_end)` and every later one."""

    import_id = models.BigIntegerField(null=True, blank=True)
    # Every import this job recomputes for: later imports widen a job still queued (coalescing).
    import_ids = models.JSONField(default=list)
    range_start = models.DateTimeField()
    range_end = models.DateTimeField()
    # False: only the periods overlapping the range (the import's rows count nowhere else).
    through_today = models.BooleanField(default=True)
    status = models.CharField(max_length=9, choices=JobStatus.choices, default=JobStatus.QUEUED)
    periods_total = models.PositiveIntegerField(default=0)
    periods_done = models.PositiveIntegerField(default=0)
    snapshots_changed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # When its task was handed to the broker (the outbox sends queued jobs where this is empty),
    # and when the stale-job check sent it again (its message was lost or its worker died).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    requeued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"KPI snapshot job {self.pk} ({self.status})"
