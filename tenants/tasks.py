"""Beat tasks of the platform that act in every workspace."""

from celery import shared_task

from smarketing.core.outbox import outbox_dispatch

from .fanout import dangerously_in_each_active_workspace


@shared_task(name="tenants.outbox_dispatch_all")
def outbox_dispatch_all_task() -> int:
    """Send every workspace's committed, unsent jobs (imports, KPI refreshes) to the broker.

    Runs in this process, one cheap indexed query per workspace: while the broker is down beat
    cannot even deliver this task, and once it is back the next run drains everything.
    """
    return dangerously_in_each_active_workspace(outbox_dispatch)
