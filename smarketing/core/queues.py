"""Celery queues by kind of work, so each kind can get its own workers (docs/scaling.md).

Imports, KPI refreshes and emails go to queues of their own, named after the default queue
(`CELERY_QUEUE`, e.g. `smarketing.imports`); everything else (fan-outs, stale checks, the
outbox) stays on the default queue. A worker started without `-Q` consumes every queue of
`CELERY_TASK_QUEUES` (what `make run` does); one started with
`-Q smarketing.imports` takes imports only.

With `CELERY_QUEUE_SHARDS` = N > 1, each kind is split into N queues by workspace
(`smarketing.imports.0` … `.N-1`, by a stable hash of the schema the task is sent from), so a
workspace's tasks always land on the same queue and one busy workspace holds up only the
workspaces sharing its queue.

No Django import at module level: settings import this module.
"""

from __future__ import annotations

import zlib
from typing import Any

IMPORTS, REFRESH, EMAIL = "imports", "refresh", "email"
KINDS = (IMPORTS, REFRESH, EMAIL)

# Task name -> kind, filled by each app in its `AppConfig.ready()` (`task_kind_register`), so
# this module names no app's task; a task not registered runs on the default queue.
TASK_KINDS: dict[str, str] = {}


def task_kind_register(name: str, kind: str) -> None:
    """Send the task `name` to the queue of `kind` (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"{name}: unknown queue kind {kind!r} (one of {', '.join(KINDS)})")
    TASK_KINDS[name] = kind


def queue_name(default_queue: str, kind: str, shard: int | None = None) -> str:
    name = f"{default_queue}.{kind}"
    return name if shard is None else f"{name}.{shard}"


def queue_names(default_queue: str, shards: int = 1) -> list[str]:
    """Every queue of a deployment: the default one, then each kind's (or each shard's)."""
    names = [default_queue]
    for kind in KINDS:
        if shards > 1:
            names += [queue_name(default_queue, kind, shard) for shard in range(shards)]
        else:
            names.append(queue_name(default_queue, kind))
    return names


def workspace_shard(schema_name: str, shards: int) -> int:
    """The shard of a workspace: stable across processes and restarts (not Python's hash)."""
    return zlib.crc32(schema_name.encode()) % shards


def task_route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any):
    """Celery router (`CELERY_TASK_ROUTES`): the queue of a task's kind, None for the default.

    Reads the app's default queue when the task is sent (tests and benchmarks point it at a
    private queue), and the schema the task is sent from (the one tenant-schemas-celery stamps
    on it) for the shard.
    """
    kind = TASK_KINDS.get(name)
    if kind is None:
        return None
    from celery import current_app
    from django.conf import settings

    app = task.app if task is not None else current_app
    shards = int(getattr(settings, "CELERY_QUEUE_SHARDS", 1))
    if shards <= 1:
        return {"queue": queue_name(app.conf.task_default_queue, kind)}
    from django.db import connection

    schema_name = getattr(connection, "schema_name", "public")
    shard = workspace_shard(schema_name, shards)
    return {"queue": queue_name(app.conf.task_default_queue, kind, shard)}
