"""The dashboard's panel on the data page: CRM reason values that imports stored and no reason
list knows yet, with the way to the reason lists (the funnel app cannot link dashboard pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from smarketing.funnel.models import ReasonKind
from smarketing.funnel.reason_selectors import reason_unknown_values

VALUES_SHOWN = 5


def reasons_to_map_panel(request: HttpRequest) -> dict[str, Any] | None:
    lists = []
    for kind in ReasonKind:
        values = reason_unknown_values(kind=kind)
        if values:
            lists.append({"label": kind.label, "kind": kind.value, "values": values[:VALUES_SHOWN],
                          "more": max(0, len(values) - VALUES_SHOWN)})  # fmt: skip
    return {"template": "dashboard/_reasons_to_map.html", "lists": lists} if lists else None
