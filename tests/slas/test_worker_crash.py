"""A worker SIGKILLed in the middle of an SLA evaluation: nothing is half-stored (every period
of every SLA is judged and written in one transaction), the task is redelivered (acks late,
rejected on a lost worker; Redis after its visibility timeout) and the result stored equals one
clean evaluation of the same data — alerts included, each raised once."""

import os
import signal
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.slas import services
from smarketing.slas.models import Sla, SlaAlert, SlaEvaluation
from smarketing.slas.tasks import sla_evaluate_task
from tenants import provisioning
from tests.conftest import test_database_url as database_url_of_tests
from tests.funnel.conftest import worker_starter  # noqa: F401 - the fixture
from tests.funnel.test_worker_crash import wait_for
from tests.kpis.conftest import lead

HISTORY = 12
SLAS = (
    ("MQLs delivered", "mqls", ">=", 12, "month", "marketing"),
    ("MQL to SQL", "mql_to_sql_rate", ">=", "0.4", "month", "shared"),
    ("First touch within 24 h", "mql_response_within_sla_rate", ">=", "0.9", "week", "sales"),
    ("Leads a quarter", "leads", ">=", 60, "quarter", "marketing"),
)


def _data(now) -> None:
    """400 leads over the 400 days before `now`: half MQLs, a quarter SQLs, touched within 10
    or 30 h."""
    for n in range(400):
        created = now - timedelta(days=n, hours=n % 7)
        mql = created + timedelta(hours=6) if n % 2 == 0 else None
        lead(
            f"W{n}",
            created_at=created.isoformat(),
            mql_at=mql.isoformat() if mql else None,
            sql_at=(mql + timedelta(hours=20)).isoformat() if mql and n % 4 == 0 else None,
            first_touch_at=(mql + timedelta(hours=(10, 30)[n % 3 == 0])).isoformat()
            if mql
            else None,
            source=("web", "events")[n % 2],
        )
    created_at = now - timedelta(days=800)
    for name, kpi, comparator, target, period, team in SLAS:
        Sla.objects.create(
            name=name, kpi=kpi, comparator=comparator, target=target, period=period, team=team,
            created_at=created_at,
        )  # fmt: skip


def _stored(workspace) -> tuple[list[tuple], list[tuple]]:
    """Every evaluation and alert, without ids and times of writing. A forecast's elapsed
    share and projection depend on the instant it ran: compared by its status and value so
    far (and each closed period by everything)."""
    with schema_context(workspace.schema_name):
        evaluations = [
            (
                row.sla.name,
                row.period_label,
                row.period_start,
                row.period_end,
                row.final,
                row.status,
                row.value_so_far,
                row.comparator,
                row.target,
                row.computed,
                row.definitions_version,
                row.value if row.final else None,
            )
            for row in SlaEvaluation.objects.select_related("sla").order_by(
                "sla__name", "period_start"
            )
        ]
        alerts = sorted(
            (alert.sla.name, alert.kind, alert.period_label, alert.comparator, alert.target)
            for alert in SlaAlert.objects.select_related("sla")
        )
    return evaluations, alerts


def _blocked_on_evaluations(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks AS lock "
            "JOIN pg_class AS class ON class.oid = lock.relation "
            "JOIN pg_namespace AS namespace ON namespace.oid = class.relnamespace "
            "WHERE NOT lock.granted AND class.relname = 'slas_slaevaluation' "
            "AND namespace.nspname = %s)",
            [schema_name],
        )
        return cursor.fetchone()[0]


def test_the_evaluation_task_acks_late_and_is_rejected_when_its_worker_is_lost(db):
    assert sla_evaluate_task.name == "slas.evaluate"
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.worker
def test_killed_evaluation_is_redelivered_and_equals_one_clean_run(
    django_db_setup,
    django_db_blocker,
    worker_starter,  # noqa: F811
):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip(
            "the SQLAlchemy fallback broker drops a killed worker's task; beat's hourly "
            "evaluation of every workspace judges the periods again there"
        )
    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        # Committed data in workspaces of their own: the worker process must see them.
        crashed = provisioning.workspace_create(
            slug=f"scrash-{suffix}", name="Crash", domain=f"scrash-{suffix}.localhost"
        )
        clean = provisioning.workspace_create(
            slug=f"sclean-{suffix}", name="Clean", domain=f"sclean-{suffix}.localhost"
        )
        locker = None
        try:
            now = timezone.now() - timedelta(hours=1)  # the same data in both workspaces
            for workspace in (clean, crashed):
                with schema_context(workspace.schema_name):
                    _data(now)
            with schema_context(clean.schema_name):
                services.slas_evaluate(history=HISTORY)  # the clean run, in-process
            clean_evaluations, clean_alerts = _stored(clean)
            assert len(clean_evaluations) == 4 * (HISTORY + 1)
            assert {row[5] for row in clean_evaluations} >= {"met", "missed"}
            assert clean_alerts, "the data should breach an SLA"

            # Writing the results is blocked: the worker judges everything, then waits.
            locker = psycopg.connect(
                database_url_of_tests().replace("postgres://", "postgresql://")
            )
            locker.execute(f"LOCK TABLE {crashed.schema_name}.slas_slaevaluation IN EXCLUSIVE MODE")
            with schema_context(crashed.schema_name):
                sla_evaluate_task.apply_async(
                    kwargs={"history": HISTORY}, queue=worker_starter.queue
                )
            first = worker_starter()
            wait_for(lambda: _blocked_on_evaluations(crashed.schema_name), timeout=90, interval=0.1)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            locker.rollback()
            locker.close()
            locker = None
            assert _stored(crashed) == ([], [])  # nothing half-stored

            worker_starter()  # the task comes back once Redis's visibility timeout has passed

            def evaluated():
                stored = _stored(crashed)
                return stored if len(stored[0]) == len(clean_evaluations) else None

            crashed_evaluations, crashed_alerts = wait_for(evaluated, timeout=120, interval=0.3)
            assert crashed_evaluations == clean_evaluations
            assert crashed_alerts == clean_alerts
            # Redelivered again (or beat's run), nothing changes and no alert repeats.
            with schema_context(crashed.schema_name):
                services.slas_evaluate(history=HISTORY)
            assert _stored(crashed) == (clean_evaluations, clean_alerts)
        finally:
            if locker is not None:
                locker.close()
            for workspace in (crashed, clean):
                provisioning.workspace_delete(workspace=workspace)
            connection.set_schema_to_public()
