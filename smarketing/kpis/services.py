"""Writes of the KPI engine: snapshot refresh jobs (enqueued on commit) and their execution."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from smarketing.core.outbox import outbox_dispatch_on_commit
from smarketing.core.periods import (
    STORED_GRAINS,
    Grain,
    Period,
    period_containing,
    periods_overlapping,
)
from smarketing.core.tasks import task_send_now

from . import signals
from .definitions import MEASURES, Fact, Scope
from .models import JobStatus, KpiSnapshot, KpiSnapshotJob
from .selectors.context import kpi_context_get
from .selectors.details import kpi_details_many
from .selectors.reports import kpi_report_breakdowns, kpi_report_from_measures
from .selectors.snapshots import kpi_history_start
from .sql import FACTS_WITH_THEIR_LEAD, KpiContext
from .sql_periods import period_measures_fetch

logger = logging.getLogger(__name__)

# The nightly refresh recomputes the snapshots of the trailing 18 months.
NIGHTLY_MONTHS = 18


# A queued job younger than this absorbs new refresh requests; an older one may have lost its
# task message, so a fresh job (with its own message) is safer than widening it.
COALESCE_WITHIN = timedelta(minutes=10)


def facts_read_after_their_dates() -> frozenset[Fact]:
    """The facts whose rows also count in periods after their own dates: those of measures over
    all history (lifetime value, open deals) and the leads those join; content, which
    `customers_with_content` reads up to each customer's date. A change to any other fact
    (spend, traffic, activities) changes only the periods holding its rows' dates."""
    facts: set[Fact] = set()
    for measure in MEASURES:
        if measure.scope is Scope.BEFORE_END:
            facts.add(measure.fact)
            if measure.fact in FACTS_WITH_THEIR_LEAD:
                facts.add(Fact.LEAD)
        if "{content_table}" in measure.value + measure.where:
            facts.add(Fact.CONTENT)
    return frozenset(facts)


def kpi_snapshot_refresh_enqueue(
    *, import_id: int | None, start: datetime, end: datetime, through_today: bool = True
) -> KpiSnapshotJob:
    """Queue a refresh of every snapshot that data dated in `[start, end)` can change.

    Called by the importer after a successful import: the task is sent only once the enqueuing
    transaction commits. `start`/`end` must cover every date (old and new) of the rows the
    import changed. Besides the periods overlapping that range, every later period up to today
    is refreshed (`through_today`), because lifetime value and open deals look back over all
    history; an import of spend, traffic or activities refreshes only the periods it touched.

    Coalescing: when a job of this workspace is still queued (not started), it is widened to
    cover this range too and returned, and no second task is sent; importing six files in a row
    then costs one refresh, not six. The job row is locked, so a worker starting that job
    waits for the widening to commit and then reads the widened range (see
    `kpi_snapshot_refresh`).
    """
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError("start and end must be timezone-aware")
    if end < start:
        raise ValidationError("end must not be before start")
    end = max(end, start + timedelta(microseconds=1))
    with transaction.atomic():
        pending = (
            KpiSnapshotJob.objects.select_for_update()
            .filter(
                status=JobStatus.QUEUED,
                started_at__isnull=True,
                created_at__gte=timezone.now() - COALESCE_WITHIN,
            )
            .order_by("created_at")
            .first()
        )
        if pending is not None:
            pending.range_start = min(pending.range_start, start)
            pending.range_end = max(pending.range_end, end)
            pending.through_today = pending.through_today or through_today
            if import_id is not None and import_id not in pending.import_ids:
                pending.import_ids = [*pending.import_ids, import_id]
            pending.save(update_fields=["range_start", "range_end", "through_today", "import_ids"])
            return pending
        job = KpiSnapshotJob.objects.create(
            import_id=import_id,
            import_ids=[] if import_id is None else [import_id],
            range_start=start,
            range_end=end,
            through_today=through_today,
        )
        outbox_dispatch_on_commit(KPI_REFRESH_OUTBOX, job.pk)
    return job


KPI_REFRESH_OUTBOX = "kpi-refresh"


def kpi_snapshot_job_send(job_id: int) -> None:
    """Hand one refresh job's task to the broker now (the outbox calls this)."""
    from .tasks import kpi_snapshot_refresh_task

    task_send_now(kpi_snapshot_refresh_task, job_id)


def _refresh_lock_key() -> str:
    return f"kpi_refresh:{connection.schema_name}"  # type: ignore[attr-defined]


@contextmanager
def _refresh_lock():
    """Held (a session advisory lock) while a refresh runs in this workspace: refreshes run one
    at a time, and a job that says "running" while the lock is free lost its worker."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [_refresh_lock_key()])
    try:
        yield
    finally:
        if connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [_refresh_lock_key()])


# A job is "running" a moment before it holds the lock; queued and sent this long ago and never
# started, its message was lost.
RUNNING_GRACE = timedelta(seconds=30)
STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class StaleRefreshes:
    requeued: list[int]
    failed: list[int]


def kpi_snapshot_jobs_stale_recover(*, now: datetime | None = None) -> StaleRefreshes:
    """Requeue once, then fail, refresh jobs that nothing runs (as imports are recovered).

    With no refresh running in this workspace (its lock is free): a job "running" for more than
    `RUNNING_GRACE` lost its worker (killed); a job sent to the broker `STALE_AFTER` ago and
    never started lost its message. A job still in the outbox (broker down) is not stale.
    """
    now = now or timezone.now()
    requeued: list[int] = []
    failed: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_refresh_lock_key()])
        if not cursor.fetchone()[0]:
            return StaleRefreshes(requeued, failed)
        jobs = KpiSnapshotJob.objects.select_for_update().filter(
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
        )
        for job in jobs:
            if job.status == JobStatus.QUEUED and job.dispatched_at is None:
                continue
            seen = max(
                t for t in (job.created_at, job.started_at, job.requeued_at, job.dispatched_at) if t
            )
            worker_died = (
                job.status == JobStatus.RUNNING
                and job.started_at is not None
                and job.started_at < now - RUNNING_GRACE
            )
            if not worker_died and seen > now - STALE_AFTER:
                continue
            if job.requeued_at is None:
                KpiSnapshotJob.objects.filter(pk=job.pk).update(
                    status=JobStatus.QUEUED, requeued_at=now, dispatched_at=None, periods_done=0
                )
                outbox_dispatch_on_commit(KPI_REFRESH_OUTBOX, job.pk)
                requeued.append(job.pk)
            else:
                KpiSnapshotJob.objects.filter(pk=job.pk).update(
                    status=JobStatus.FAILED,
                    finished_at=now,
                    error="no worker finished this refresh; the nightly refresh will cover it",
                )
                failed.append(job.pk)
    if requeued or failed:
        logger.warning("stale KPI refreshes: requeued %s, failed %s", requeued, failed)
    return StaleRefreshes(requeued, failed)


def kpi_snapshot_nightly_enqueue(*, now: datetime | None = None) -> KpiSnapshotJob:
    """Queue the refresh of the trailing 18 months (the nightly safety net)."""
    now = now or timezone.now()
    time_zone = ZoneInfo(kpi_context_get().time_zone)
    month = period_containing(Grain.MONTH, now.astimezone(time_zone).date(), time_zone)
    first = month.shifted(-(NIGHTLY_MONTHS - 1))
    return kpi_snapshot_refresh_enqueue(import_id=None, start=first.start, end=now)


def kpi_snapshot_refresh_all(
    *, until: datetime | None = None, progress: Progress | None = None
) -> KpiSnapshotJob:
    """Recompute every snapshot now, in this process (`manage.py refresh_snapshots`): every
    week, month and quarter from the earliest data or stored snapshot up to `until` (today).

    The job is created already running, so no worker (or dispatcher) takes it as well.
    """
    now = timezone.now()
    start = kpi_history_start() or now
    job = KpiSnapshotJob.objects.create(
        range_start=start,
        range_end=max(start, min(until or now, now)) + timedelta(microseconds=1),
        status=JobStatus.RUNNING,
        started_at=now,
    )
    return kpi_snapshot_refresh(job=job, until=until, progress=progress)


def kpi_snapshot_periods(
    *, start: datetime, end: datetime, time_zone: ZoneInfo, until: datetime | None = None
) -> list[Period]:
    """The weeks, months, quarters and years a change of data dated in `[start, end)` affects:
    those overlapping it and every later one up to `until` (default: now; `until=end`: only
    those overlapping it)."""
    until = max(end, until or timezone.now())
    return [
        period
        for grain in STORED_GRAINS
        for period in periods_overlapping(grain, start, until, time_zone)
    ]


SNAPSHOT_BREAKDOWNS = ("source", "owner")

# `progress(message)`: what a refresh reports as it goes (the command prints it).
Progress = Callable[[str], None]


def _snapshot_fields(report: dict[str, Any]) -> dict[str, Any]:
    return {name: report[name] for name in ("kpis", "by_source", "by_owner")}


def kpi_snapshot_values(*, period: Period, context: KpiContext) -> dict[str, Any]:
    """The stored fields of one snapshot (total, by source and by owner) from the one-period
    statement: the reference `kpi_snapshot_values_many` must equal, period by period."""
    report = kpi_report_breakdowns(period=period, breakdowns=SNAPSHOT_BREAKDOWNS, context=context)
    details = kpi_details_many(periods=[period], time_zone=ZoneInfo(context.time_zone))
    return {**_snapshot_fields(report), "details": details[period]}


def kpi_snapshot_values_many(
    *, periods: list[Period], context: KpiContext, progress: Progress | None = None
) -> list[tuple[Period, dict[str, Any]]]:
    """The stored fields of every period, from a few set-based statements for all of them."""
    started = time.perf_counter()
    measures = period_measures_fetch(
        periods=periods,
        context=context,
        breakdowns=SNAPSHOT_BREAKDOWNS,
        progress=None if progress is None else lambda label, s: progress(f"  {label}: {s:.2f} s"),
    )
    if progress is not None:
        progress(f"measures of {len(periods)} periods: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    computed = [
        (
            period,
            _snapshot_fields(
                kpi_report_from_measures(
                    period=period, measures=measures[period], breakdowns=SNAPSHOT_BREAKDOWNS
                )
            ),
        )
        for period in periods
    ]
    if progress is not None:
        progress(f"KPIs of {len(periods)} periods: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    details = kpi_details_many(periods=periods, time_zone=ZoneInfo(context.time_zone))
    if progress is not None:
        progress(f"details of {len(periods)} periods: {time.perf_counter() - started:.2f} s")
    return [(period, {**fields, "details": details[period]}) for period, fields in computed]


def kpi_snapshot_refresh(
    *, job: KpiSnapshotJob, until: datetime | None = None, progress: Progress | None = None
) -> KpiSnapshotJob:
    """Run a refresh job: compute every affected period, then replace them in one transaction.

    Safe to re-run: a snapshot whose values, version and imports are unchanged is left as it is,
    and a failure before the final transaction leaves every previous snapshot intact.
    """
    with _refresh_lock():
        return _kpi_snapshot_refresh_locked(job=job, until=until, progress=progress)


def _kpi_snapshot_refresh_locked(
    *, job: KpiSnapshotJob, until: datetime | None, progress: Progress | None
) -> KpiSnapshotJob:
    with transaction.atomic():
        # Claim the job under its row lock: an enqueue widening it right now commits first, and
        # once it is RUNNING no later enqueue widens it (they queue a job of their own).
        claimed = KpiSnapshotJob.objects.select_for_update().get(pk=job.pk)
        job.range_start, job.range_end = claimed.range_start, claimed.range_end
        job.import_ids, job.through_today = claimed.import_ids, claimed.through_today
        job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
        job.periods_done = job.snapshots_changed = 0
        job.save()
    context = kpi_context_get()
    periods = kpi_snapshot_periods(
        start=job.range_start,
        end=job.range_end,
        time_zone=ZoneInfo(context.time_zone),
        until=until if job.through_today else job.range_end,
    )
    job.periods_total = len(periods)
    job.save()
    try:
        computed = kpi_snapshot_values_many(periods=periods, context=context, progress=progress)
        job.periods_done = len(periods)
        job.save(update_fields=["periods_done"])
        import_ids = set(job.import_ids) | ({job.import_id} if job.import_id else set())
        started = time.perf_counter()
        job.snapshots_changed = _snapshots_replace(
            computed=computed, import_ids=import_ids, context=context
        )
        if progress is not None:
            progress(
                f"stored {len(computed)} snapshots ({job.snapshots_changed} changed):"
                f" {time.perf_counter() - started:.2f} s"
            )
    except Exception as error:
        job.status, job.error, job.finished_at = JobStatus.FAILED, repr(error), timezone.now()
        job.save()
        logger.exception("KPI snapshot job %s failed", job.pk)
        raise
    job.status, job.finished_at = JobStatus.SUCCEEDED, timezone.now()
    job.save()
    refreshed = [(str(period.grain), period.start) for period, _ in computed]
    transaction.on_commit(
        lambda: signals.snapshots_refreshed.send(
            sender=KpiSnapshotJob, job_id=job.pk, periods=refreshed
        )
    )
    return job


@transaction.atomic
def _snapshots_replace(
    *,
    computed: list[tuple[Period, dict[str, Any]]],
    import_ids: set[int],
    context: KpiContext,
) -> int:
    """Write the computed snapshots atomically; returns how many changed."""
    starts = [period.start for period, _ in computed]
    existing = {
        (snapshot.grain, snapshot.period_start): snapshot
        for snapshot in KpiSnapshot.objects.select_for_update().filter(period_start__in=starts)
    }
    now, changed = timezone.now(), 0
    fresh = {(str(period.grain), period.label) for period, _ in computed}
    starts_set = set(starts)
    for period, values in computed:
        snapshot = existing.get((str(period.grain), period.start))
        fields = {
            **values,
            "label": period.label,
            "period_end": period.end,
            "import_ids": sorted(set(snapshot.import_ids if snapshot else ()) | import_ids),
            "definitions_version": context.definitions_version,
        }
        if snapshot and all(getattr(snapshot, name) == value for name, value in fields.items()):
            continue
        changed += 1
        if snapshot is None:
            KpiSnapshot.objects.create(
                grain=period.grain, period_start=period.start, computed_at=now, **fields
            )
        else:
            for name, value in fields.items():
                setattr(snapshot, name, value)
            snapshot.computed_at = now
            snapshot.save()
    # Snapshots of another time zone whose period this refresh has just stored anew.
    stale = [
        snapshot.pk
        for snapshot in KpiSnapshot.objects.filter(
            label__in={period.label for period, _ in computed}
        ).only("pk", "grain", "label", "period_start")
        if (snapshot.grain, snapshot.label) in fresh and snapshot.period_start not in starts_set
    ]
    if stale:
        KpiSnapshot.objects.filter(pk__in=stale).delete()
    return changed
