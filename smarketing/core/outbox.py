"""A transactional outbox in front of the broker: the job row *is* the message.

A service that queues work writes a job row (status "queued", `dispatched_at` empty) inside its
transaction, and nothing else. Sending it to the broker is the dispatcher's business:

- right after the transaction commits (`outbox_dispatch_on_commit`), once, with a short broker
  timeout and no retries, so a request answers "accepted, queued" within a second or two even
  when the broker is down;
- and from beat every few seconds (`outbox_dispatch`, in every workspace), which sends whatever
  is committed and still unsent: when the broker comes back, everything drains.

A row is marked sent (`dispatched_at`) in the same transaction that locked it
(`SELECT … FOR UPDATE SKIP LOCKED`), so two dispatchers never send one row twice at once; a
dispatcher that dies between sending and committing sends it again later, and the tasks are
idempotent (a finished job is never run again). Apps register their job models in
`AppConfig.ready()`; this module imports no app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Rows sent per outbox and per dispatch: a large backlog drains over a few beats, never in one
# long transaction.
BATCH = 200


@dataclass(frozen=True)
class Outbox:
    """Jobs of `model` whose `status` is `pending_status` and not yet sent; `send(job_id)`
    publishes the task that runs one (it must raise when the broker refuses it)."""

    name: str
    model: Any
    pending_status: str
    send: Callable[[int], None]


_OUTBOXES: dict[str, Outbox] = {}


def outbox_register(outbox: Outbox) -> None:
    _OUTBOXES[outbox.name] = outbox


def outboxes() -> dict[str, Outbox]:
    return dict(_OUTBOXES)


def _dispatch_one(outbox: Outbox, ids: list[int] | None) -> tuple[int, bool]:
    """Send the pending rows of one outbox in the current schema: (sent, broker_ok)."""
    sent = 0
    with transaction.atomic():
        rows = outbox.model.objects.select_for_update(skip_locked=True).filter(
            status=outbox.pending_status, dispatched_at__isnull=True
        )
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        for job_id in rows.order_by("pk").values_list("pk", flat=True)[:BATCH]:
            try:
                outbox.send(job_id)
            except Exception:  # the broker is down or refused: leave it for the next dispatch
                logger.warning("outbox %s: job %s not sent yet", outbox.name, job_id, exc_info=True)
                return sent, False
            outbox.model.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
            sent += 1
    return sent, True


def outbox_dispatch(*, name: str | None = None, ids: list[int] | None = None) -> int:
    """Send what is committed and unsent in the current workspace; returns how many were sent.

    Never raises for a broker that is down: the rows stay unsent for the next dispatch.
    """
    total = 0
    for outbox in _OUTBOXES.values():
        if name is not None and outbox.name != name:
            continue
        sent, broker_ok = _dispatch_one(outbox, ids)
        total += sent
        if not broker_ok:
            break
    return total


def outbox_dispatch_on_commit(name: str, job_id: int) -> None:
    """Try to send `job_id` as soon as the current transaction commits (never raises)."""

    def dispatch() -> None:
        try:
            outbox_dispatch(name=name, ids=[job_id])
        except Exception:  # the database itself: beat's dispatch will find the row
            logger.exception("outbox %s: dispatching job %s failed", name, job_id)

    transaction.on_commit(dispatch)


def outbox_mark_unsent(*, name: str, job_id: int) -> None:
    """Have the dispatcher send `job_id` again (its message was lost)."""
    _OUTBOXES[name].model.objects.filter(pk=job_id).update(dispatched_at=None)
