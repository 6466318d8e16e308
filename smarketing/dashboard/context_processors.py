"""What every page of a workspace shows in its navigation."""

from django.utils.functional import SimpleLazyObject

from smarketing.accounts.permissions import is_workspace_request
from smarketing.slas.notifications import notification_unread_count


def notifications(request) -> dict:
    """The signed-in person's unread notifications, counted only when a page shows them."""
    if not is_workspace_request(request) or not request.user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: notification_unread_count(user=request.user)
        )
    }
