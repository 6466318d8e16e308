"""Celery tasks of the SLA app: tenant tasks run in the schema they were sent from; the beat
task fans out to every active workspace."""

from datetime import datetime

from celery import shared_task
from django.db import OperationalError

from tenants.fanout import dangerously_in_each_active_workspace

from . import notifications, services


@shared_task(
    name="slas.evaluate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def sla_evaluate_task(
    *,
    sla_ids: list[int] | None = None,
    history: int = 1,
    periods: list[tuple[str, str]] | None = None,
) -> int:
    """Judge the workspace's SLAs (all, or `sla_ids`) over their `history` latest closed periods
    and the one in progress, or only `periods` ((grain, ISO start) pairs) among them.
    Idempotent: an unchanged result is not written again and an alert is never raised twice."""
    only = (
        {(grain, datetime.fromisoformat(start)) for grain, start in periods}
        if periods is not None
        else None
    )
    return len(services.slas_evaluate(sla_ids=sla_ids, history=history, only=only))


@shared_task(name="slas.evaluate_all")
def sla_evaluate_all_task() -> int:
    """Beat, hourly: every active workspace judges its SLAs' period in progress and the one
    that closed last (periods close at midnight in each workspace's own time zone)."""
    return dangerously_in_each_active_workspace(lambda: sla_evaluate_task.delay(history=1))


@shared_task(
    name="slas.alert_emails_send",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def alert_emails_send_task(*, alert_id: int) -> int:
    """Email an alert's recipients; never twice to the same person (see alert_emails_send)."""
    return notifications.alert_emails_send(alert_id=alert_id)
