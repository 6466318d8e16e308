from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .models import (
    DEFAULT_SALES_CHANNELS,
    ChannelOwnership,
    KpiTarget,
    OwningTeam,
    WorkspaceSettings,
)


def workspace_settings_get() -> WorkspaceSettings:
    """The current workspace's settings row, created with defaults on first use."""
    settings_row = WorkspaceSettings.objects.order_by("pk").first()
    if settings_row is None:
        settings_row = WorkspaceSettings.objects.create()
    return settings_row


def workspace_time_zone() -> ZoneInfo:
    return ZoneInfo(workspace_settings_get().time_zone)


def channel_owner(source: str, overrides: dict[str, str]) -> str:
    """The team owning a channel: the workspace's override, else SPEC section 3's default."""
    if source in overrides:
        return overrides[source]
    return OwningTeam.SALES if source in DEFAULT_SALES_CHANNELS else OwningTeam.MARKETING


def channel_ownership_overrides() -> dict[str, str]:
    return dict(ChannelOwnership.objects.values_list("source", "team"))


@dataclass(frozen=True)
class Channel:
    source: str
    owner: str
    default_owner: str
    # False for an override of a channel no lead, spend or traffic row names yet.
    seen_in_data: bool

    @property
    def is_override(self) -> bool:
        return self.owner != self.default_owner


def channel_list() -> list[Channel]:
    """Every channel seen in leads, spend or traffic, and every override, with its owner."""
    from smarketing.funnel.models import Lead, Spend, Traffic

    # UNION (not UNION ALL) leaves PostgreSQL one distinct list of the three tables' sources.
    seen = set(
        Lead.objects.values_list("source", flat=True)
        .union(Spend.objects.values_list("source", flat=True))
        .union(Traffic.objects.values_list("source", flat=True))
    )
    overrides = channel_ownership_overrides()
    return [
        Channel(
            source=source,
            owner=channel_owner(source, overrides),
            default_owner=channel_owner(source, {}),
            seen_in_data=source in seen,
        )
        for source in sorted(seen | set(overrides))
    ]


def kpi_target_list() -> list[KpiTarget]:
    """The workspace's KPI targets in the order of the KPI definitions."""
    from smarketing.kpis.definitions import KPI_KEYS

    order = {key: index for index, key in enumerate(KPI_KEYS)}
    return sorted(KpiTarget.objects.all(), key=lambda target: order.get(target.kpi, len(order)))
