"""Panels that apps above the funnel add to the data page, e.g. the KPI snapshot jobs an import
queued. The funnel app cannot read them itself (STYLE.md's one-way rule): a higher app
registers a panel in its `AppConfig.ready()`, and the page renders every registered one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# `panel(request)` → `{"template": "...", **its context}`, or None to show nothing.
DataPagePanel = Callable[[HttpRequest], dict[str, Any] | None]
_PANELS: dict[str, DataPagePanel] = {}


def data_page_panel_register(name: str, panel: DataPagePanel) -> None:
    _PANELS[name] = panel


def data_page_panels(request: HttpRequest) -> list[dict[str, Any]]:
    """What every registered panel shows for this request, in registration order."""
    return [shown for panel in _PANELS.values() if (shown := panel(request))]


def data_page_panel_names() -> list[str]:
    return list(_PANELS)
