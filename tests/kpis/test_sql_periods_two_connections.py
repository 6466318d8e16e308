"""The set-based refresh on committed data: its statements are shared with a second connection
reading the same snapshot (inside a test transaction, as in the other tests, one connection runs
them all). Not marked django_db: the rows must be committed for the second connection to see
them."""

import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from smarketing.kpis import services, sql_periods
from smarketing.kpis.selectors.context import kpi_context_get
from tenants import provisioning

from .conftest import at, settings_update
from .test_sql_periods import assert_identical_to_the_reference, edge_cases


def _threads_running_statements(monkeypatch) -> set[int]:
    threads: set[int] = set()
    branch_run = sql_periods._branch_run

    def spied(cursor, branch, params):
        threads.add(threading.get_ident())
        return branch_run(cursor, branch, params)

    monkeypatch.setattr(sql_periods, "_branch_run", spied)
    return threads


@pytest.mark.django_db
def test_inside_a_transaction_one_connection_runs_every_statement(monkeypatch):
    """Another connection could not see the transaction's rows (this first test also makes
    pytest-django create the test database when the module runs alone)."""
    from django.db import transaction

    workspace = provisioning.dangerously_workspace_get("alpha")
    threads = _threads_running_statements(monkeypatch)
    with schema_context(workspace.schema_name), transaction.atomic():
        edge_cases()
        assert assert_identical_to_the_reference("2025-01-01", "2025-02-15") >= 10
    assert threads == {threading.get_ident()}


@pytest.fixture
def committed_workspace(django_db_setup, django_db_blocker):
    """A workspace whose rows are committed (no test transaction)."""
    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        workspace = provisioning.workspace_create(
            slug=f"kpar-{suffix}", name="Two connections", domain=f"kpar-{suffix}.localhost"
        )
        try:
            with schema_context(workspace.schema_name):
                yield workspace
        finally:
            provisioning.workspace_delete(workspace=workspace)
            connection.set_schema_to_public()


def test_two_connections_reading_one_snapshot_give_the_same_snapshots(
    committed_workspace, monkeypatch
):
    settings_update(time_zone="Europe/Paris", conversion_window_days=30)
    edge_cases()
    threads = set()
    main, helper_started = threading.get_ident(), threading.Event()
    branch_run = sql_periods._branch_run

    def spied(cursor, branch, params):
        threads.add(threading.get_ident())
        if threading.get_ident() != main:
            helper_started.set()
        elif "pg_temp." not in branch.sql:
            # On so little data the main connection could run every statement before the
            # second one has connected: it waits for it once.
            helper_started.wait(timeout=30)
        return branch_run(cursor, branch, params)

    monkeypatch.setattr(sql_periods, "_branch_run", spied)
    assert assert_identical_to_the_reference("2025-01-01", "2025-05-15") >= 27
    assert len(threads) == 1 + sql_periods.EXTRA_CONNECTIONS


def test_a_failing_statement_on_the_second_connection_fails_the_refresh(
    committed_workspace, monkeypatch
):
    edge_cases()
    main = threading.get_ident()
    branch_run = sql_periods._branch_run

    def failing_elsewhere(cursor, branch, params):
        if threading.get_ident() != main:
            raise RuntimeError("statement failed")
        return branch_run(cursor, branch, params)

    monkeypatch.setattr(sql_periods, "_branch_run", failing_elsewhere)
    periods = services.kpi_snapshot_periods(
        start=at("2025-01-01"), end=at("2025-01-01"), time_zone=ZoneInfo("UTC"),
        until=at("2025-02-01"),
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="statement failed"):
        services.kpi_snapshot_values_many(periods=periods, context=kpi_context_get())


def test_without_a_second_connection_the_main_one_runs_every_statement(
    committed_workspace, monkeypatch, caplog
):
    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    edge_cases()
    main = threading.get_ident()
    ensure_connection = BaseDatabaseWrapper.ensure_connection

    def refused_elsewhere(self):
        if threading.get_ident() != main:
            raise OperationalError("too many clients already")
        return ensure_connection(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refused_elsewhere)
    threads = _threads_running_statements(monkeypatch)
    assert assert_identical_to_the_reference("2025-01-01", "2025-02-15") >= 10
    assert threads == {main}
    assert "KPI refresh without a second connection" in caplog.text
