"""Counts by group that pages chart beside the KPIs and that no KPI holds: content downloads by
asset and by the reader's persona, lost deals by reason, rejected MQLs by reason. Stored in each
snapshot (`KpiSnapshot.details`) by the refresh, so pages never aggregate them per request.

Set-based like the refresh's measures: four grouped statements count each kind per local day
over the whole range of the periods asked, and the periods add up their days in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta, tzinfo
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate

from smarketing.core.periods import Period
from smarketing.funnel.models import ContentDownload, Deal, DealStatus, Lead

NOT_GIVEN = "(not given)"
DETAIL_KINDS = ("content_by_asset", "content_by_persona", "lost_reasons", "rejection_reasons")


def _by_day(rows) -> dict[date, Counter]:
    days: dict[date, Counter] = defaultdict(Counter)
    for day, name, n in rows:
        days[day][name or NOT_GIVEN] += n
    return days


def kpi_details_many(*, periods: list[Period], time_zone: tzinfo) -> dict[Period, dict[str, Any]]:
    """Each period's `{"content_by_asset", "content_by_persona", "lost_reasons",
    "rejection_reasons"}`, each `{name: count}` sorted by count: content rows dated in P, deals
    lost with closed_at in P, and the MQLs of P (the cohort of `mql_rejection_rate`) rejected
    since, by reason."""
    if not periods:
        return {}
    first = min(period.start for period in periods)
    end = max(period.end for period in periods)
    content = ContentDownload.objects.filter(
        date__gte=min(period.first_day for period in periods),
        date__lt=max(period.end_day for period in periods),
    ).order_by()
    persona = Lead.objects.filter(lead_id=OuterRef("lead_id")).values("persona")[:1]
    days = {
        "content_by_asset": _by_day(content.values_list("date", "asset").annotate(n=Count("id"))),
        "content_by_persona": _by_day(
            content.annotate(persona=Subquery(persona))
            .values_list("date", "persona")
            .annotate(n=Count("*"))
        ),
        "lost_reasons": _by_day(
            Deal.objects.filter(status=DealStatus.LOST, closed_at__gte=first, closed_at__lt=end)
            .order_by()
            .annotate(day=TruncDate("closed_at", tzinfo=time_zone))
            .values_list("day", "lost_reason")
            .annotate(n=Count("*"))
        ),
        "rejection_reasons": _by_day(
            Lead.objects.filter(mql_at__gte=first, mql_at__lt=end, rejected_at__isnull=False)
            .order_by()
            .annotate(day=TruncDate("mql_at", tzinfo=time_zone))
            .values_list("day", "rejection_reason")
            .annotate(n=Count("*"))
        ),
    }
    result = {}
    for period in periods:
        details = {}
        for kind in DETAIL_KINDS:
            total: Counter = Counter()
            day = period.first_day
            while day < period.end_day:
                total.update(days[kind].get(day, {}))
                day += timedelta(days=1)
            details[kind] = dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))
        result[period] = details
    return result
