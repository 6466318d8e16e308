"""A real Celery worker process on the broker in use runs each task in its own workspace."""

import pytest
from django_tenants.utils import schema_context

from smarketing.core.tasks import worker_ping_task


@pytest.mark.worker
def test_tasks_run_in_the_schema_they_were_sent_from(celery_worker_process, alpha, beta):
    with schema_context(alpha.schema_name):
        from_alpha = worker_ping_task.delay()
    with schema_context(beta.schema_name):
        from_beta = worker_ping_task.delay()
    # Sent from the public schema, right after two workspace tasks on the same worker process:
    # it must not inherit the previous task's schema.
    plain = worker_ping_task.delay()
    assert from_alpha.get(timeout=60) == "ws_alpha"
    assert from_beta.get(timeout=60) == "ws_beta"
    assert plain.get(timeout=60) == "public"


@pytest.mark.worker
def test_task_settings_are_safe_for_redelivery():
    from smarketing.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
