"""Who breached, lead by lead: the MQLs behind the response and disposition SLAs.

- **Response**: sales' first touch (`first_touch_at`) at most the workspace's response time
  after mql_at (exactly on time is within), as `mql_response_within_sla_rate` counts it.
- **Disposition**: sales accepts (`sql_at`) or rejects (`rejected_at`) the MQL at most 48 hours
  after mql_at, the earlier date counting, as `mql_disposition_within_48h_rate` counts it.

An MQL is *overdue* when its deadline has passed and nothing happened yet, *late* when it was
handled after the deadline, and (response only) *skipped* when it was never touched although
sales accepted or rejected it. "Overdue now" lists the MQLs still waiting for sales (overdue,
and neither accepted nor rejected); a period lists every breach among its MQLs, as the KPI
counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Least

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Period
from smarketing.funnel.models import Lead
from smarketing.kpis.definitions import DISPOSITION_HOURS, UNASSIGNED


@dataclass(frozen=True)
class BreachKind:
    key: str
    kpi: str
    title: str
    deadline: str  # how the deadline reads in a sentence
    handled: str  # what handling an MQL means, for column headers


RESPONSE = BreachKind(
    "response", "mql_response_within_sla_rate", "First touch", "the response time", "first touch"
)
DISPOSITION = BreachKind(
    "disposition",
    "mql_disposition_within_48h_rate",
    "Accept or reject",
    f"{DISPOSITION_HOURS} hours",
    "accepted or rejected",
)
BREACH_KINDS = {kind.key: kind for kind in (RESPONSE, DISPOSITION)}
# The breach list of each KPI that has one.
BREACH_KIND_OF_KPI = {kind.kpi: kind.key for kind in BREACH_KINDS.values()}


def breach_deadline_hours(kind: BreachKind) -> float:
    if kind is RESPONSE:
        return float(workspace_settings_get().response_sla_hours)
    return float(DISPOSITION_HOURS)


def _mqls(kind: BreachKind) -> QuerySet[Lead]:
    hours = timedelta(hours=breach_deadline_hours(kind))
    handled = F("first_touch_at") if kind is RESPONSE else Least("sql_at", "rejected_at")
    return Lead.objects.exclude(mql_at=None).annotate(
        due_at=ExpressionWrapper(F("mql_at") + hours, output_field=DateTimeField()),
        handled_at=handled,
    )


def _breached(
    kind: BreachKind,
    *,
    now: datetime,
    period: Period | None,
    since: datetime | None = None,
    owner: str | None = None,
    source: str | None = None,
) -> QuerySet[Lead]:
    mqls = _mqls(kind)
    unhandled = Q(handled_at=None, due_at__lt=now)
    if period is None:
        # Still waiting for sales: an MQL sales already accepted or rejected needs no call.
        breached = mqls.filter(unhandled & Q(sql_at=None, rejected_at=None))
    else:
        # As the KPI counts them: past the deadline unhandled, or handled late.
        breached = mqls.filter(mql_at__gte=period.start, mql_at__lt=period.end).filter(
            unhandled | Q(handled_at__gt=F("due_at"))
        )
    if since is not None:
        breached = breached.filter(mql_at__gte=since)
    if owner is not None:
        breached = breached.filter(owner="" if owner == UNASSIGNED else owner)
    if source is not None:
        breached = breached.filter(source=source)
    return breached


@dataclass(frozen=True)
class Breach:
    lead_id: str
    source: str
    owner: str
    mql_at: datetime
    due_at: datetime
    handled_at: datetime | None
    # overdue (nothing yet), late (handled after the deadline), or skipped (never touched but
    # already accepted or rejected: a response breach that needs no call any more)
    state: str
    hours_late: float  # from the deadline to the handling, or to now


@dataclass(frozen=True)
class BreachList:
    kind: BreachKind
    deadline_hours: float
    total: int
    rows: list[Breach]
    by_owner: list[tuple[str, int]]
    by_source: list[tuple[str, int]]


def _state(lead) -> str:
    if lead.handled_at:
        return "late"
    # Never touched, though sales already accepted or rejected it (the response SLA only).
    return "skipped" if lead.sql_at or lead.rejected_at else "overdue"


def _breach(lead, now: datetime) -> Breach:
    end = lead.handled_at or now
    return Breach(
        lead_id=lead.lead_id,
        source=lead.source,
        owner=lead.owner or UNASSIGNED,
        mql_at=lead.mql_at,
        due_at=lead.due_at,
        handled_at=lead.handled_at,
        state=_state(lead),
        hours_late=round((end - lead.due_at).total_seconds() / 3600, 2),
    )


def mql_breach_list(
    *,
    kind: str,
    now: datetime,
    period: Period | None = None,
    since: datetime | None = None,
    owner: str | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> BreachList:
    """The MQLs overdue now (`period` None; `since` limits to MQLs from then on), or breached
    among the MQLs of `period`; longest overdue first; counts by owner and by source."""
    breach_kind = BREACH_KINDS[kind]
    breached = _breached(
        breach_kind, now=now, period=period, since=since, owner=owner, source=source
    )
    rows = breached.order_by(F("due_at").asc(), "lead_id")
    by_owner = breached.values("owner").annotate(count=Count("pk")).order_by("-count", "owner")
    by_source = breached.values("source").annotate(count=Count("pk")).order_by("-count", "source")
    return BreachList(
        kind=breach_kind,
        deadline_hours=breach_deadline_hours(breach_kind),
        total=breached.count(),
        rows=[_breach(lead, now) for lead in (rows[:limit] if limit else rows)],
        by_owner=[(row["owner"] or UNASSIGNED, row["count"]) for row in by_owner],
        by_source=[(row["source"], row["count"]) for row in by_source],
    )


CSV_HEADER = ["lead_id", "source", "owner", "mql_at", "due_at", "handled_at", "state", "hours_late"]


def mql_breach_rows(
    *,
    kind: str,
    now: datetime,
    period: Period | None = None,
    since: datetime | None = None,
    owner: str | None = None,
    source: str | None = None,
) -> Iterator[list]:
    """Every breach of the list as CSV rows (header first), read in chunks."""
    breached = _breached(
        BREACH_KINDS[kind], now=now, period=period, since=since, owner=owner, source=source
    )
    yield CSV_HEADER
    for lead in breached.order_by(F("due_at").asc(), "lead_id").iterator(chunk_size=2000):
        breach = _breach(lead, now)
        yield [
            breach.lead_id,
            breach.source,
            breach.owner,
            breach.mql_at.isoformat(),
            breach.due_at.isoformat(),
            breach.handled_at.isoformat() if breach.handled_at else "",
            breach.state,
            breach.hours_late,
        ]
