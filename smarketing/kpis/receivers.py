"""The KPI engine's answers to what lower apps announce; connected in `KpisConfig.ready()`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from smarketing.funnel.models import ImportJob

from .definitions import WORKSPACE_MEASURES, Fact
from .selectors.snapshots import kpi_history_start
from .services import (
    facts_read_after_their_dates,
    kpi_snapshot_nightly_enqueue,
    kpi_snapshot_refresh_enqueue,
)
from .sql import FACT_TABLES, fact_tables

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
    if fact is not None and _workspace_measure_flipped(fact, import_id):
        start = min(start, kpi_history_start() or start)
    kpi_snapshot_refresh_enqueue(
        import_id=import_id,
        start=start,
        end=end + timedelta(microseconds=1),
        through_today=fact is None or fact in facts_read_after_their_dates(),
    )


def _workspace_measure_flipped(fact: Fact, import_id: int) -> bool:
    """Whether the import gave its table its first rows while a workspace measure reads whether
    that table has any (`content_rows_exist`): then every period changes, not only later ones.
    Imports never delete, so the table was empty before when it holds only this import's rows."""
    table = FACT_TABLES[fact][0]
    if not any(f"{{{table}_table}}" in sql for sql in WORKSPACE_MEASURES.values()):
        return False
    stored = ImportJob.objects.filter(pk=import_id).values_list("rows_stored", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {fact_tables()[table]}")  # noqa: S608 (model table)
        return cursor.fetchone()[0] == stored


def on_reasons_relabelled(*, start: datetime, end: datetime, **_: Any) -> None:
    """Stored reasons were relabelled: the snapshots' counts by reason of those periods (and
    every later one) are recomputed."""
    kpi_snapshot_refresh_enqueue(import_id=None, start=start, end=end)


def on_kpi_inputs_changed(
    *,
    time_zone_changed: bool,
    since: datetime | None = None,
    whole_history: bool = False,
    **_: Any,
) -> None:
    """A setting KPI values depend on changed: recompute the trailing 18 months, or the whole
    history when the time zone changed.

    Periods start at local midnight, so snapshots of the old zone describe other instants. They
    are kept until the refresh has the new zone's snapshot of the same period (pages show them
    meanwhile, marked "recomputing", instead of nothing); the refresh then drops them.
    """
    if since is not None and not time_zone_changed and not whole_history:
        now = timezone.now()
        kpi_snapshot_refresh_enqueue(import_id=None, start=min(since, now), end=now)
        return
    if time_zone_changed or whole_history:
        now = timezone.now()
        kpi_snapshot_refresh_enqueue(import_id=None, start=kpi_history_start() or now, end=now)
        return
    kpi_snapshot_nightly_enqueue()
