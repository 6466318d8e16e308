"""The KPI engine's answers to what lower apps announce; connected in `KpisConfig.ready()`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .definitions import Fact
from .selectors.snapshots import kpi_history_start
from .services import (
    facts_read_after_their_dates,
    kpi_snapshot_nightly_enqueue,
    kpi_snapshot_refresh_enqueue,
)

# An import's kind → the fact its rows are.
KIND_FACTS = {
    "leads": Fact.LEAD,
    "deals": Fact.DEAL,
    "spend": Fact.SPEND,
    "traffic": Fact.TRAFFIC,
    "activities": Fact.ACTIVITY,
    "content": Fact.CONTENT,
}


def on_import_stored(
    *, import_id: int, start: datetime, end: datetime, kind: str | None = None, **_: Any
) -> None:
    """Recompute the periods an import touched (`end` is inclusive) and, when its rows also
    count in later periods (lifetime value, open deals, customers with content…), every later
    one up to today."""
    fact = KIND_FACTS.get(kind or "")
    kpi_snapshot_refresh_enqueue(
        import_id=import_id,
        start=start,
        end=end + timedelta(microseconds=1),
        through_today=fact is None or fact in facts_read_after_their_dates(),
    )


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
