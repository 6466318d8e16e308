"""The KPI engine's answers to what lower apps announce; connected in `KpisConfig.ready()`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from .selectors.snapshots import kpi_history_start
from .services import kpi_snapshot_nightly_enqueue, kpi_snapshot_refresh_enqueue


def on_import_stored(*, import_id: int, start: datetime, end: datetime, **_: Any) -> None:
    """Recompute the periods an import touched (and every later one up to today)."""
    kpi_snapshot_refresh_enqueue(import_id=import_id, start=start, end=end)


def on_kpi_inputs_changed(*, time_zone_changed: bool, **_: Any) -> None:
    """A setting KPI values depend on changed: recompute the trailing 18 months, or the whole
    history when the time zone changed.

    Periods start at local midnight, so snapshots of the old zone describe other instants. They
    are kept until the refresh has the new zone's snapshot of the same period (pages show them
    meanwhile, marked "recomputing", instead of nothing); the refresh then drops them.
    """
    if time_zone_changed:
        now = timezone.now()
        kpi_snapshot_refresh_enqueue(import_id=None, start=kpi_history_start() or now, end=now)
        return
    kpi_snapshot_nightly_enqueue()
