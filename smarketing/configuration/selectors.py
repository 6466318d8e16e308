from zoneinfo import ZoneInfo

from .models import DEFAULT_SALES_CHANNELS, ChannelOwnership, OwningTeam, WorkspaceSettings


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
