"""Writes of the dashboard app: sending the quarterly alignment report to the admins."""

from __future__ import annotations

from datetime import datetime

from django.core.mail import EmailMessage
from django.utils import timezone

from smarketing.accounts.models import Role, User
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.core.db import tenant_connection
from smarketing.core.periods import Grain, period_containing
from tenants.models import Workspace

from .report import alignment_report_build, report_pdf


def alignment_report_email(*, now: datetime | None = None) -> int:
    """Email the report of the quarter that ended last (PDF attached, its commentary as the
    text) to every active admin of the current workspace; returns how many were sent to."""
    time_zone = workspace_time_zone()
    today = (now or timezone.now()).astimezone(time_zone).date()
    quarter = period_containing(Grain.QUARTER, today, time_zone).previous()
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    workspace = Workspace.objects.get(schema_name=tenant_connection().schema_name)
    report = alignment_report_build(quarter=quarter, workspace=workspace.slug)
    lines = "\n".join(f"- {line}" for line in report["body"]["commentary"])
    message = EmailMessage(
        subject=f"{workspace.name}: alignment report {quarter.label}",
        body=(
            f"The alignment report of {workspace.name} for {quarter.label} is attached.\n\n"
            f"{lines}\n"
        ),
        to=recipients,
    )
    message.attach(
        f"alignment-report-{workspace.slug}-{quarter.label}.pdf",
        report_pdf(report, workspace_name=workspace.name),
        "application/pdf",
    )
    message.send()
    return len(recipients)
