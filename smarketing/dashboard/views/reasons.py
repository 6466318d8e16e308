"""The rejection and loss loops: why sales sends MQLs back (by reason, by source, over time) and
why deals are lost (by reason and owner), and the lists of reasons admins keep."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin, has_workspace_role
from smarketing.funnel import reason_services
from smarketing.funnel.models import ReasonKind
from smarketing.funnel.reason_selectors import (
    reason_counts,
    reason_get,
    reason_list,
    reason_unknown_values,
)

from ..charts import Chart, reason_bar_chart, reason_order, reason_stack_chart
from ..filters import PageFilter
from .base import SERIES_LENGTH, DashboardPage, register_page, series_periods

# Bars per chart of sources or owners: the largest, the rest left to the table of another page.
GROUPS_SHOWN = 12


def _by_reason(counts: Counter[tuple[str, str]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for (_, reason), count in counts.items():
        totals[reason] += count
    return totals


def _largest_groups(counts: Counter[tuple[str, str]]) -> list[str]:
    totals: Counter[str] = Counter()
    for (group, _), count in counts.items():
        totals[group] += count
    return [group for group, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))][
        :GROUPS_SHOWN
    ]


def _grouped(kind: str, page_filter: PageFilter, group: str) -> Counter[tuple[str, str]]:
    period = page_filter.period
    rows = reason_counts(
        kind=kind, ranges=[(period.start, period.end)], group=group, source=page_filter.source
    )
    return Counter({(row.group, row.reason): row.count for row in rows})


@register_page
class ReasonsView(DashboardPage):
    template_name = "dashboard/reasons.html"
    page = "reasons"
    title = "Rejections and losses"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        listed = {
            kind: [reason.name for reason in reason_list(kind=kind)] for kind in ReasonKind.values
        }
        rejections = _grouped(ReasonKind.REJECTION, page_filter, "source")
        losses = _grouped(ReasonKind.LOSS, page_filter, "owner")
        rejected_by_reason, lost_by_reason = _by_reason(rejections), _by_reason(losses)
        rejection_reasons = reason_order(listed[ReasonKind.REJECTION], dict(rejected_by_reason))
        loss_reasons = reason_order(listed[ReasonKind.LOSS], dict(lost_by_reason))

        grain, first, _ = series_periods(page_filter.period)
        periods = [first.shifted(step) for step in range(SERIES_LENGTH[grain])]
        over_time = reason_counts(
            kind=ReasonKind.REJECTION,
            ranges=[(period.start, period.end) for period in periods],
            source=page_filter.source,
        )
        by_period = Counter(
            {(periods[row.range_index].label, row.reason): row.count for row in over_time}
        )
        charts: list[Chart] = [
            reason_bar_chart(
                slug="rejections-by-reason",
                title="Rejected MQLs by reason",
                reasons=rejection_reasons,
                counts=dict(rejected_by_reason),
                series_label="Rejected MQLs",
            ),
            reason_stack_chart(
                slug="rejections-by-source",
                title="Rejected MQLs by source and reason",
                groups=_largest_groups(rejections),
                reasons=rejection_reasons,
                counts=dict(rejections),
                label_heading="source",
            ),
            reason_stack_chart(
                slug="rejections-over-time",
                title="Rejected MQLs over time, by reason",
                groups=[period.label for period in periods],
                reasons=reason_order(listed[ReasonKind.REJECTION], dict(_by_reason(by_period))),
                counts=dict(by_period),
                label_heading="period",
            ),
            reason_bar_chart(
                slug="losses-by-reason",
                title="Lost deals by reason",
                reasons=loss_reasons,
                counts=dict(lost_by_reason),
                series_label="Lost deals",
            ),
            reason_stack_chart(
                slug="losses-by-owner",
                title="Lost deals by owner and reason",
                groups=_largest_groups(losses),
                reasons=loss_reasons,
                counts=dict(losses),
                label_heading="owner",
            ),
        ]
        return {
            "charts": charts,
            "rejected_total": sum(rejected_by_reason.values()),
            "lost_total": sum(lost_by_reason.values()),
            "unknown_values": {
                kind: len(reason_unknown_values(kind=kind)) for kind in ReasonKind.values
            },
        }


class ReasonListsView(RoleRequiredMixin, View):
    """Both reason lists with the values each reason is also written as, and the values stored
    that no list knows yet. Everyone reads; admins add, rename, delete and map (POST)."""

    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponse:
        lists = [
            {
                "kind": kind,
                "label": kind.label,
                "reasons": reason_list(kind=kind),
                "unknown": reason_unknown_values(kind=kind),
            }
            for kind in ReasonKind
        ]
        is_admin = has_workspace_role(request, Role.ADMIN)
        return render(
            request, "dashboard/reason_lists.html", {"lists": lists, "is_admin": is_admin}
        )

    def post(self, request) -> HttpResponse:
        if not has_workspace_role(request, Role.ADMIN):
            return HttpResponse("Only workspace admins change the reason lists.", status=403)
        data = request.POST
        action = data.get("action")
        try:
            message = self._apply(action, data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if message:
                messages.success(request, message)
        return redirect("dashboard:reason_lists")

    def _apply(self, action: str | None, data) -> str:
        kind = data.get("kind", "")
        if action == "add":
            added = reason_services.reason_create(kind=kind, name=data.get("name", ""))
            return f'"{added.name}" added.'
        if action == "map" and data.get("reason") == "new":
            added = reason_services.reason_create(kind=kind, name=data.get("value", ""))
            return f'"{added.name}" added to the list.'
        reason = reason_get(reason_id=_int(data.get("reason")))
        if reason is None:
            raise ValidationError("Choose a reason of the list.")
        if action == "rename":
            reason = reason_services.reason_update(reason=reason, name=data.get("name", ""))
            return f'Renamed to "{reason.name}"; its rows follow.'
        if action == "delete":
            reason_services.reason_delete(reason=reason)
            return f'"{reason.name}" deleted; its rows keep the name, listed below to map.'
        if action == "map":
            alias = reason_services.reason_value_map(
                kind=kind, value=data.get("value", ""), reason=reason
            )
            return f'"{alias.value}" now counts as "{reason.name}".'
        raise ValidationError("Unknown action.")


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 0
