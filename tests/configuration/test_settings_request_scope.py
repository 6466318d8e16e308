"""A request reads its workspace's settings row once; a write is seen at once; workers and
commands (no request) always read the row; two workspaces never share one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from smarketing.configuration.selectors import (
    workspace_settings_get,
    workspace_settings_request_scope,
)
from smarketing.configuration.services import workspace_settings_update
from tests.conftest import ALPHA_HOST


def _reads(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return sum(_is_read(query["sql"]) for query in queries.captured_queries)


def _is_read(sql: str) -> bool:
    return sql.startswith("SELECT") and "configuration_workspacesettings" in sql


def test_within_a_request_the_row_is_read_once_and_a_write_is_seen(alpha):
    with schema_context(alpha.schema_name), workspace_settings_request_scope():
        assert _reads(lambda: [workspace_settings_get() for _ in range(5)]) == 1
        workspace_settings_update(changes={"currency": "USD"})
        assert workspace_settings_get().currency == "USD"


def test_outside_a_request_every_call_reads_the_row(alpha):
    with schema_context(alpha.schema_name):
        assert _reads(lambda: [workspace_settings_get() for _ in range(3)]) == 3


def test_each_workspace_gets_its_own_row_within_one_scope(alpha, beta):
    with schema_context(alpha.schema_name):
        workspace_settings_update(changes={"time_zone": "Europe/Paris"})
    with workspace_settings_request_scope():
        with schema_context(alpha.schema_name):
            assert workspace_settings_get().time_zone == "Europe/Paris"
        with schema_context(beta.schema_name):
            assert workspace_settings_get().time_zone == "UTC"


def test_a_page_reads_the_settings_once(alice_client):
    with CaptureQueriesContext(connection) as queries:
        assert alice_client.get("/", HTTP_HOST=ALPHA_HOST).status_code == 200
    assert sum(_is_read(query["sql"]) for query in queries.captured_queries) == 1
