"""Days in the workspace's time zone: what pages, the API and the cockpit show."""

from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from smarketing.configuration.selectors import workspace_time_zone


def day_text(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment else None


def workspace_day(moment: date | datetime, zone: tzinfo | None = None) -> date:
    """The day of `moment` in `zone` (read from the workspace's settings when not given)."""
    if isinstance(moment, datetime):
        return moment.astimezone(zone or workspace_time_zone()).date()
    return moment


def workspace_midnight(day: date, zone: tzinfo | None = None) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone or workspace_time_zone())
