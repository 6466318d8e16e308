"""What every survey service shares: the workspace's day and the admin check."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from smarketing.accounts.models import User
from smarketing.configuration.selectors import workspace_time_zone


def today() -> date:
    """The day in the workspace's time zone: the finest time kept about an answer."""
    return timezone.now().astimezone(workspace_time_zone()).date()


def require_admin(user: User | None) -> None:
    """Refuse a person who is not a workspace admin (None: the system itself, e.g. beat)."""
    if user is not None and not user.is_workspace_admin:
        raise ValidationError("Only workspace admins can manage surveys.")
