"""Each person's notifications (SLA breaches), their read state and the email opt-out."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.slas import notifications


class NotificationListView(RoleRequiredMixin, View):
    """Everyone's own inbox: newest first, unread marked; `Mark all read`; emails on or off."""

    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponse:
        user = request.user
        context = {
            "notifications": notifications.notification_list(user=user),
            "emails_enabled": notifications.notification_emails_enabled(user=user),
        }
        with timezone.override(workspace_time_zone()):
            return render(request, "dashboard/notifications.html", context)

    def post(self, request) -> HttpResponse:
        action = request.POST.get("action")
        if action == "read":
            notifications.notifications_mark_read(user=request.user)
        elif action in ("emails_on", "emails_off"):
            enabled = action == "emails_on"
            notifications.notification_emails_set(user=request.user, enabled=enabled)
            messages.success(
                request,
                "You will receive SLA alerts by email."
                if enabled
                else "You will no longer receive SLA alerts by email; they stay listed here.",
            )
        return redirect("dashboard:notifications")
