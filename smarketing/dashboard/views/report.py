"""The quarterly alignment report: the page (HTML with download links) and its downloads."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.core.periods import Grain, Period, PeriodError, period_containing
from smarketing.kpis.selectors.context import kpi_period_parse

from ..report import (
    CONTENT_TYPES,
    FORMATS,
    alignment_report_build,
    report_csv,
    report_html,
    report_pdf,
)

QUARTERS_OFFERED = 8


def last_complete_quarter() -> Period:
    time_zone = workspace_time_zone()
    today = timezone.now().astimezone(time_zone).date()
    return period_containing(Grain.QUARTER, today, time_zone).previous()


def quarter_asked(text: str | None) -> tuple[Period, str]:
    """The quarter of `?quarter=2026-Q3` (default: the last complete one) and an error text."""
    if not text:
        return last_complete_quarter(), ""
    try:
        period = kpi_period_parse(text)
    except PeriodError as error:
        return last_complete_quarter(), str(error)
    if period.grain is not Grain.QUARTER:
        return last_complete_quarter(), f"{text!r} is not a quarter (e.g. 2026-Q3)"
    return period, ""


def quarter_of_request(query) -> tuple[Period, str]:
    """`?quarter=`, else the quarter in which the page filter's `?period=` starts (the
    navigation carries the period from page to page), else the last complete quarter."""
    if not query.get("quarter") and (text := query.get("period")):
        try:
            period = kpi_period_parse(text)
        except PeriodError:
            return quarter_asked(None)
        return period_containing(Grain.QUARTER, period.first_day, period.time_zone), ""
    return quarter_asked(query.get("quarter"))


class ReportView(RoleRequiredMixin, TemplateView):
    minimum_role = Role.VIEWER
    template_name = "dashboard/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quarter, error = quarter_of_request(self.request.GET)
        latest = period_containing(Grain.QUARTER, timezone.now().date(), quarter.time_zone)
        tenant = self.request.tenant  # type: ignore[attr-defined]
        report = alignment_report_build(quarter=quarter, workspace=tenant.slug)
        context.update(
            quarter=quarter,
            error=error,
            quarters=[latest.shifted(-steps) for steps in range(QUARTERS_OFFERED)],
            formats=FORMATS,
            report_html=report_html(report, workspace_name=tenant.name, standalone=False),
        )
        return context


class ReportDownloadView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, file_format: str) -> HttpResponse:
        if file_format not in FORMATS:
            raise Http404
        quarter, _ = quarter_of_request(request.GET)
        tenant = request.tenant  # type: ignore[attr-defined]
        report = alignment_report_build(quarter=quarter, workspace=tenant.slug)
        if file_format == "pdf":
            content: bytes | str = report_pdf(report, workspace_name=tenant.name)
        elif file_format == "html":
            content = report_html(report, workspace_name=tenant.name)
        elif file_format == "csv":
            content = report_csv(report)
        else:
            content = json.dumps(report["body"], indent=2, ensure_ascii=False)
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        name = f"alignment-report-{tenant.slug}-{quarter.label}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
