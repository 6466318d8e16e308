"""Days in the workspace's time zone: what pages, the API and the cockpit show."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from smarketing.configuration.selectors import workspace_time_zone


def day_text(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment else None


def workspace_day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(workspace_time_zone()).date()
    return moment


def workspace_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=workspace_time_zone())
