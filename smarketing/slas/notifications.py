"""Breach notifications: who hears of an alert, the in-app copies, and the emails (sent by a
task once the evaluation committed, never inside its locked transaction)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from smarketing.accounts.models import Role, Team, User
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.data_version import VersionedMemo
from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.templatetags.kpi_format import format_kpi

from .models import AlertKind, Notification, NotificationPreference, SlaAlert, SlaTeam

logger = logging.getLogger(__name__)

# The people of each owning team (a shared SLA belongs to both teams).
TEAM_MEMBERS = {
    SlaTeam.MARKETING: (Team.MARKETING,),
    SlaTeam.SALES: (Team.SALES,),
    SlaTeam.SHARED: (Team.MARKETING, Team.SALES),
}


def alert_recipients(*, team: str) -> QuerySet[User]:
    """The owning team's members and the workspace's admins (active people only)."""
    return User.objects.filter(
        Q(team__in=TEAM_MEMBERS[SlaTeam(team)]) | Q(role=Role.ADMIN), is_active=True
    ).order_by("pk")


def alert_text(alert: SlaAlert) -> tuple[str, str]:
    """The title and body of an alert's notification (in the app and in the email)."""
    sla = alert.sla
    kpi = KPIS_BY_KEY.get(sla.kpi)
    label = kpi.label if kpi else sla.kpi
    scope = f" from {sla.source}" if sla.source else ""
    currency = workspace_settings_get().currency
    bound = "at least" if alert.comparator == ">=" else "at most"
    target = f"{bound} {format_kpi(alert.target, sla.kpi, currency)}"
    value = "no value" if alert.value is None else format_kpi(alert.value, sla.kpi, currency)
    team = SlaTeam(sla.team).label.lower()
    if alert.kind == AlertKind.MISSED:
        title = f'SLA missed: "{sla.name}" in {alert.period_label}'
        body = (
            f"{label}{scope} was {value} in {alert.period_label}; the {team} SLA "
            f'"{sla.name}" asks for {target}.'
        )
    else:
        title = f'SLA at risk: "{sla.name}" in {alert.period_label}'
        body = (
            f"At this pace {label}{scope} ends {alert.period_label} at {value}; the {team} "
            f'SLA "{sla.name}" asks for {target}.'
        )
    return title, body


def alert_notifications_create(*, alert: SlaAlert) -> list[Notification]:
    """One in-app notification per recipient (inside the evaluation's transaction)."""
    title, body = alert_text(alert)
    url = reverse("dashboard:sla_detail", args=[alert.sla_id])
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            alert=alert,
            title=title,
            body=body,
            url=url,
            created_at=alert.created_at,
        )
        for user in alert_recipients(team=alert.sla.team)
    )


def alerts_send_later(alert_ids: Iterable[int]) -> None:
    """Email these alerts' recipients once the current transaction commits (a task each)."""
    ids = list(alert_ids)
    if not ids:
        return

    def send() -> None:
        from .tasks import alert_emails_send_task

        for alert_id in ids:
            alert_emails_send_task.delay(alert_id=alert_id)

    transaction.on_commit(send)


def _site_url() -> str:
    """The workspace's primary address (tasks and commands run outside any request)."""
    from tenants.models import Domain

    schema = connection.schema_name  # type: ignore[attr-defined]
    domain = Domain.objects.filter(tenant__schema_name=schema, is_primary=True).first()
    return f"http://{domain.domain}" if domain is not None else ""


def alert_emails_send(*, alert_id: int) -> int:
    """Email each recipient of the alert who has not been emailed and has emails on; returns
    how many were sent. Each notification is claimed under its row lock and marked sent, so
    running this twice (a retried task) never emails anybody twice."""
    opted_out = set(
        NotificationPreference.objects.filter(email_enabled=False).values_list("user_id", flat=True)
    )
    site = _site_url()
    sent = 0
    pending = Notification.objects.filter(alert_id=alert_id, emailed_at=None).values_list(
        "pk", flat=True
    )
    for notification_id in list(pending):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=notification_id, emailed_at=None)
                .first()
            )
            if notification is None or notification.recipient_id in opted_out:
                continue
            if not notification.recipient.email:
                continue
            send_mail(
                subject=notification.title,
                message=(
                    f"{notification.body}\n\n{site}{notification.url}\n\n"
                    "You receive this because you are in the team that owns this SLA, or an "
                    f"admin of the workspace. Turn these emails off: {site}"
                    f"{reverse('dashboard:notifications')}"
                ),
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def notification_list(*, user: User, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user).select_related("alert", "alert__sla")[:limit]
    )


# Every page's navigation shows the count: a web process counts once per data version.
_unread_counts = VersionedMemo("unread notifications")


def notification_unread_count(*, user: User) -> int:
    return _unread_counts.get(
        user.pk,
        lambda: Notification.objects.filter(recipient=user, read_at=None).count(),
        model=Notification,
    )


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


def notification_emails_enabled(*, user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.email_enabled


def notification_emails_set(*, user: User, enabled: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={"email_enabled": enabled})
