"""Celery tasks of the surveys app: thin wrappers around services, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from . import services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(bind=True, name="surveys.invitations_send", **RETRY)
def survey_invitations_send_task(self, survey_id: int) -> int:
    return services.survey_invitations_send(survey_id=survey_id)


@shared_task(bind=True, name="surveys.reminders_send", **RETRY)
def survey_reminders_send_task(self) -> int:
    return services.survey_reminders_send()


@shared_task(bind=True, name="surveys.schedules_run", **RETRY)
def survey_schedules_run_task(self) -> dict[str, int]:
    return services.survey_schedules_run()


@shared_task(bind=True, name="surveys.periodic_all", **RETRY)
def survey_periodic_all_task(self) -> int:
    """Beat entry (public schema): in every active workspace, open/close waves, then remind."""
    from tenants.fanout import dangerously_in_each_active_workspace

    def enqueue_both() -> None:
        survey_schedules_run_task.delay()
        survey_reminders_send_task.delay()

    return dangerously_in_each_active_workspace(enqueue_both)
