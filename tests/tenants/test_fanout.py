from django.db import connection

from tenants import provisioning
from tenants.fanout import dangerously_in_each_active_workspace


def test_fanout_runs_once_in_each_active_workspace_schema_only(alpha, beta):
    provisioning.workspace_suspend(workspace=beta)
    seen: list[str] = []
    count = dangerously_in_each_active_workspace(lambda: seen.append(connection.schema_name))
    # Suspended beta, the template and the public schema are skipped.
    assert seen == ["ws_alpha"]
    assert count == 1
    assert connection.schema_name == "public"
