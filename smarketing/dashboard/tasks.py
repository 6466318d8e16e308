"""Celery tasks of the dashboard app: the quarterly report by email."""

from celery import shared_task

from tenants.fanout import dangerously_in_each_active_workspace

from . import services


@shared_task(name="dashboard.alignment_report_email")
def alignment_report_email_task() -> int:
    """Email the last quarter's report to the admins of the workspace the task was sent from.

    Memory: one quarter's figures and one PDF (a few hundred kB) at a time.
    """
    return services.alignment_report_email()


@shared_task(name="dashboard.alignment_report_quarterly")
def alignment_report_quarterly_task() -> int:
    """Public task for beat, at the start of each quarter: one email task per workspace."""
    return dangerously_in_each_active_workspace(alignment_report_email_task.delay)
