"""The workspace settings a KPI computation depends on, and periods in the workspace's zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from smarketing.configuration.models import DEFAULT_SALES_CHANNELS, OwningTeam
from smarketing.configuration.selectors import channel_ownership_overrides, workspace_settings_get
from smarketing.core.periods import Period, period_parse

from ..sql import KpiContext


def kpi_context_get() -> KpiContext:
    settings_row = workspace_settings_get()
    overrides = channel_ownership_overrides()
    sales = {source for source in DEFAULT_SALES_CHANNELS if source not in overrides}
    sales |= {source for source, team in overrides.items() if team == OwningTeam.SALES}
    return KpiContext(
        time_zone=settings_row.time_zone,
        response_sla=timedelta(hours=float(settings_row.response_sla_hours)),
        conversion_window_days=settings_row.conversion_window_days,
        sales_sources=tuple(sorted(sales)),
        definitions_version=settings_row.definitions_version,
        stages_from_deals=settings_row.stages_from_deals,
        currency=settings_row.currency,
    )


def kpi_period_parse(text: str) -> Period:
    """A period text of SPEC section 4 in the current workspace's time zone."""
    return period_parse(text, ZoneInfo(workspace_settings_get().time_zone))
