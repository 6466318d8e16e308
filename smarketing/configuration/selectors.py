from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from smarketing.core.data_version import VersionedMemo, data_version_forget
from smarketing.core.db import tenant_connection

from .models import (
    DEFAULT_SALES_CHANNELS,
    ChannelOwnership,
    ExchangeRate,
    OwningTeam,
    WorkspaceSettings,
)

# Schema name -> settings row, while a web request is being answered (None outside one).
_request_rows: ContextVar[dict[str, WorkspaceSettings] | None] = ContextVar(
    "workspace_settings_rows", default=None
)


@contextmanager
def workspace_settings_request_scope() -> Iterator[None]:
    """Within this block (one web request), the settings row is read once per schema.

    A page asked for it two dozen times (time zone, currency, KPI context, each panel). Outside
    a request (workers, commands) every call reads the row, so a long-lived process never keeps
    an old one; within one, a save or delete of the row forgets it (`workspace_settings_forget`).
    """
    token = _request_rows.set({})
    try:
        yield
    finally:
        _request_rows.reset(token)


def workspace_settings_forget() -> None:
    """Forget the rows read during the current request (the settings were written)."""
    rows = _request_rows.get()
    if rows is not None:
        rows.clear()
    data_version_forget()


# The row as of the data version the request read, kept by the web process for the requests that
# read the same version (smarketing/core/data_version.py): most requests read the version (one
# small statement) instead of the row. Shared by threads: read-only.
_rows_by_version = VersionedMemo("workspace settings", size=4096)


def workspace_settings_read() -> WorkspaceSettings:
    """The current workspace's settings row read now, created with defaults on first use; for
    writers, which must not change the request's shared copy before they save."""
    settings_row = WorkspaceSettings.objects.order_by("pk").first()
    if settings_row is None:
        settings_row = WorkspaceSettings.objects.create()
    return settings_row


def workspace_settings_get() -> WorkspaceSettings:
    """The current workspace's settings row, created with defaults on first use (read once per
    request inside `workspace_settings_request_scope`; treat it as read-only)."""
    rows = _request_rows.get()
    if rows is None:
        return workspace_settings_read()
    schema_name = tenant_connection().schema_name
    settings_row = rows.get(schema_name)
    if settings_row is None:
        settings_row = rows[schema_name] = _rows_by_version.get(
            "row", workspace_settings_read, model=WorkspaceSettings
        )
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


def exchange_rate_list() -> list[ExchangeRate]:
    """Every exchange rate, by currency, the rate for every month first."""
    return list(ExchangeRate.objects.order_by("currency", "month"))
