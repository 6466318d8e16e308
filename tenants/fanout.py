"""Work that a public (beat) task fans out to every active workspace, each in its own schema."""

from collections.abc import Callable

from django_tenants.utils import get_public_schema_name, schema_context

from .models import Workspace


def dangerously_in_each_active_workspace(action: Callable[[], object]) -> int:
    """Call `action` once inside each active workspace's schema; returns how many.

    Crosses tenants by design: `action` must only enqueue or do that workspace's own work
    (tasks sent inside `schema_context` carry the schema to the worker).
    """
    schemas = (
        Workspace.objects.filter(is_active=True, is_template=False)
        .exclude(schema_name=get_public_schema_name())
        .values_list("schema_name", flat=True)
    )
    count = 0
    for schema_name in schemas:
        with schema_context(schema_name):
            action()
        count += 1
    return count
