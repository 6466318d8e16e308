"""Celery tasks of the surveys app: thin wrappers around services, safe to run twice."""

from celery import shared_task
from django.db import OperationalError
from django_tenants.utils import schema_context

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
    from tenants.models import Workspace

    workspaces = (
        Workspace.objects.filter(is_active=True, is_template=False)
        .exclude(schema_name="public")
        .values_list("schema_name", flat=True)
    )
    count = 0
    for schema_name in workspaces:
        with schema_context(schema_name):
            survey_schedules_run_task.delay()
            survey_reminders_send_task.delay()
        count += 1
    return count
