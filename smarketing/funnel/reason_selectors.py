"""Reads of the rejection and loss loops: the reason lists, the values no list knows, and the
rejected MQLs and lost deals counted by reason, per period and per source or owner (in SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Prefetch

from .models import REASON_COLUMNS, Reason, ReasonAlias, ReasonKind

# How a group reads when the row has none.
NO_OWNER = "unassigned"
NO_SOURCE = "unattributed"


def reason_list(*, kind: str | None = None) -> list[Reason]:
    """The reasons (of one kind, or both) in their list's order, with their aliases."""
    reasons = Reason.objects.prefetch_related(
        Prefetch("aliases", queryset=ReasonAlias.objects.order_by("value"))
    )
    if kind is not None:
        reasons = reasons.filter(kind=kind)
    return list(reasons)


def reason_get(*, reason_id: int) -> Reason | None:
    return Reason.objects.filter(pk=reason_id).first()


def reason_unknown_values(*, kind: str) -> list[tuple[str, int]]:
    """The values stored for `kind` that are no reason's name nor alias (in any letter case),
    with how many rows carry each, most frequent first: what an admin still has to map."""
    table, column = REASON_COLUMNS[ReasonKind(kind)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, count(*) FROM {table} AS row "  # noqa: S608 - names from a dict
            f"WHERE {column} <> '' AND NOT EXISTS (SELECT 1 FROM funnel_reason AS reason "
            f"WHERE reason.kind = %s AND lower(btrim(reason.name)) = lower(btrim({column}))) "
            "AND NOT EXISTS (SELECT 1 FROM funnel_reasonalias AS alias "
            f"WHERE alias.kind = %s AND lower(btrim(alias.value)) = lower(btrim({column}))) "
            f"GROUP BY {column} ORDER BY count(*) DESC, {column}",
            [kind, kind],
        )
        return [(value, count) for value, count in cursor.fetchall()]


@dataclass(frozen=True)
class ReasonCount:
    range_index: int  # which of the ranges asked for
    group: str  # the source or owner ("" when not grouped)
    reason: str  # as stored ("" when none was given)
    count: int


_GROUPS = {
    ReasonKind.REJECTION: {
        None: "''",
        "source": "lead.source",
        "owner": f"COALESCE(NULLIF(lead.owner, ''), '{NO_OWNER}')",
    },
    ReasonKind.LOSS: {
        None: "''",
        "source": f"COALESCE(lead.source, '{NO_SOURCE}')",
        "owner": f"COALESCE(NULLIF(deal.owner, ''), '{NO_OWNER}')",
    },
}
_FROM = {
    # SPEC 2: an MQL rejected by sales, dated by rejected_at.
    ReasonKind.REJECTION: (
        "JOIN funnel_lead AS lead ON lead.rejected_at >= range.start_at "
        "AND lead.rejected_at < range.end_at",
        "lead.rejection_reason",
        "lead.source",
    ),
    # A lost deal, dated by closed_at (as `lost_deals`); by its lead's source.
    ReasonKind.LOSS: (
        "JOIN funnel_deal AS deal ON deal.status = 'lost' AND deal.closed_at >= range.start_at "
        "AND deal.closed_at < range.end_at "
        "LEFT JOIN funnel_lead AS lead ON deal.lead_id <> '' AND lead.lead_id = deal.lead_id",
        "deal.lost_reason",
        f"COALESCE(lead.source, '{NO_SOURCE}')",
    ),
}


def reason_counts(
    *,
    kind: str,
    ranges: Sequence[tuple[datetime, datetime]],
    group: str | None = None,
    source: str | None = None,
) -> list[ReasonCount]:
    """Rejected MQLs (`rejection`) or lost deals (`loss`) counted by reason in each `[start,
    end)` of `ranges`, by `group` (`source`, `owner` or none), of one source or all: one
    statement over every range."""
    reason_kind = ReasonKind(kind)
    joins, reason, source_expression = _FROM[reason_kind]
    group_expression = _GROUPS[reason_kind][group]
    if not ranges:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT range.index - 1, {group_expression}, {reason}, count(*) "  # noqa: S608
            "FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY "
            f"AS range(start_at, end_at, index) {joins} "
            f"WHERE %s::text IS NULL OR {source_expression} = %s "
            "GROUP BY 1, 2, 3",
            [[start for start, _ in ranges], [end for _, end in ranges], source, source],
        )
        return [ReasonCount(*row) for row in cursor.fetchall()]
