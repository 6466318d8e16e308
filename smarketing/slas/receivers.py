"""The SLA app's answers to what lower apps announce; connected in `SlasConfig.ready()`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from .services import HISTORY_PERIODS


def on_snapshots_refreshed(*, periods: list[tuple[str, datetime]], **_: Any) -> None:
    """KPI snapshots were recomputed: judge the SLAs again on the periods they cover (within
    each SLA's recent history; older evaluations keep what they said)."""
    if not periods:
        return
    from .tasks import sla_evaluate_task

    payload = [(grain, start.isoformat()) for grain, start in periods]
    transaction.on_commit(lambda: sla_evaluate_task.delay(history=HISTORY_PERIODS, periods=payload))
