"""The read-replica router on a second, real PostgreSQL database.

The "replica" here is a database of its own holding only the KPI snapshot table of each
workspace schema, with figures the primary does not have, so every answer shows where it was
read: dashboard GETs read figures from the replica, in the requesting workspace's schema; writes,
transactions, sessions and users stay on the primary; without the setting nothing changes.
"""

import os
import subprocess
import sys
import uuid
from contextlib import closing
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context

from smarketing.core.periods import period_parse
from smarketing.core.replica import REPLICA, replica_reads
from smarketing.kpis.models import KpiSnapshot
from smarketing.kpis.selectors.context import kpi_period_parse
from tests.conftest import ALPHA_HOST, BETA_HOST, client_for

DATABASES = pytest.mark.django_db(databases=["default", REPLICA])

PERIOD = "2025-03"
UTC = ZoneInfo("UTC")


def _admin_connection():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True)


def _snapshot(leads: int, period) -> KpiSnapshot:
    return KpiSnapshot(
        grain="month",
        label=period.label,
        period_start=period.start,
        period_end=period.end,
        kpis={"leads": leads},
        computed_at=period.end,
        definitions_version=1,
    )


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker):
    """A second database, registered as the `replica` connection for this module: the snapshot
    table in each workspace schema, alpha's March showing 111 leads, beta's 222."""
    from tenants.models import Workspace

    name = f"{connection.settings_dict['NAME']}_replica_{uuid.uuid4().hex[:6]}"
    with closing(_admin_connection()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    connections.settings[REPLICA] = {**connections.settings["default"], "NAME": name}
    try:
        with django_db_blocker.unblock():
            replica = connections[REPLICA]
            for slug, leads in (("alpha", 111), ("beta", 222)):
                workspace = Workspace.objects.get(slug=slug)
                replica.set_tenant(workspace)
                with replica.cursor() as cursor:
                    cursor.execute(f'CREATE SCHEMA "{workspace.schema_name}"')
                with replica.schema_editor() as editor:
                    editor.create_model(KpiSnapshot)
                # A replica mirrors every table: requests read its data version first.
                with replica.cursor() as cursor:
                    cursor.execute(
                        "CREATE TABLE data_version (version bigint NOT NULL);"
                        " INSERT INTO data_version VALUES (1);"
                        " CREATE TABLE data_change_pending (txid bigint PRIMARY KEY)"
                    )
                # Not kpi_period_parse: outside a test's transaction it would store a settings
                # row in the workspace for good. The test workspaces' zone is UTC.
                _snapshot(leads, period_parse(PERIOD, UTC)).save(using=REPLICA)
            replica.set_schema_to_public()
            connection.set_schema_to_public()
        yield name
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        connections.settings.pop(REPLICA)
        with closing(_admin_connection()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def replica(replica_database):
    return connections[REPLICA]


def _leads(client, host: str):
    body = client.get(f"/api/v1/kpis/?period={PERIOD}", HTTP_HOST=host).json()
    return body["computed"], body["kpis"].get("leads")


@DATABASES
def test_dashboard_reads_come_from_the_replica_in_the_workspace_schema(replica, alice, charlie):
    # The primary has no snapshot for March: each answer is the replica's, per workspace.
    # Signing in and the session were read from the primary (the replica has no such table).
    assert _leads(client_for(ALPHA_HOST, alice), ALPHA_HOST) == ("snapshot", 111)
    assert _leads(client_for(BETA_HOST, charlie), BETA_HOST) == ("snapshot", 222)


@DATABASES
def test_writes_and_transactions_go_to_the_primary(replica, alpha):
    with schema_context(alpha.schema_name), replica_reads():
        period = kpi_period_parse(PERIOD)
        assert KpiSnapshot.objects.get(label=PERIOD).kpis == {"leads": 111}  # replica
        with transaction.atomic():
            assert not KpiSnapshot.objects.filter(label=PERIOD).exists()  # primary
            written = _snapshot(5, period)
            written.save()
        assert written._state.db == "default"
        assert KpiSnapshot.objects.get(label=PERIOD).kpis == {"leads": 111}  # still the replica
        replica.set_tenant(alpha)
        assert KpiSnapshot.objects.using(REPLICA).count() == 1  # the write never reached it
    with schema_context(alpha.schema_name):  # outside a GET (workers, commands): the primary
        assert KpiSnapshot.objects.get(label=PERIOD).kpis == {"leads": 5}


@DATABASES
def test_posts_read_from_the_primary(replica, alpha, alice):
    with schema_context(alpha.schema_name):
        _snapshot(7, kpi_period_parse(PERIOD)).save()
    assert _leads(client_for(ALPHA_HOST, alice), ALPHA_HOST) == ("snapshot", 111)
    with schema_context(alpha.schema_name):
        assert KpiSnapshot.objects.get(label=PERIOD).kpis == {"leads": 7}


def test_the_replica_is_configured_by_its_url_only():
    code = (
        "from django.conf import settings; d = settings.DATABASES; r = d.get('replica', {});"
        "print(sorted(d), r.get('HOST'), r.get('TEST', {}).get('MIRROR'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smarketing.settings.dev"}
    env.pop("DATABASE_REPLICA_URL", None)
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    without = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert without.stdout.split() == ["['default']", "None", "None"]
    env["DATABASE_REPLICA_URL"] = "postgres://reader@replica.internal:5432/smarketing"
    with_url = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert with_url.stdout.strip() == "['default', 'replica'] replica.internal default"
