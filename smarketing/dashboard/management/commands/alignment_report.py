"""`manage.py alignment_report SLUG --quarter YYYY-QN --format pdf|html|csv|json --output FILE`
(SPEC section 6). The quarter's KPIs are computed live, so `kpis` equals `compute_kpis`'s."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, PeriodError
from smarketing.dashboard.report import (
    FORMATS,
    alignment_report_build,
    report_csv,
    report_html,
    report_pdf,
)
from smarketing.kpis.selectors.context import kpi_period_parse
from tenants import provisioning


class Command(BaseCommand):
    help = "Write a workspace's quarterly alignment report as PDF, HTML, CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--quarter", required=True, help="e.g. 2026-Q3")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="file_format")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args, slug, quarter, file_format, output, **options):
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        with schema_context(workspace.schema_name):
            try:
                period = kpi_period_parse(quarter)
            except PeriodError as error:
                raise CommandError(str(error)) from error
            if period.grain is not Grain.QUARTER:
                raise CommandError(f"{quarter!r} is not a quarter; use YYYY-QN, e.g. 2026-Q3")
            report = alignment_report_build(quarter=period, workspace=slug, live=True)
            if file_format == "pdf":
                content: bytes | str = report_pdf(report, workspace_name=workspace.name)
            elif file_format == "html":
                content = report_html(report, workspace_name=workspace.name)
            elif file_format == "csv":
                content = report_csv(report)
            else:
                content = json.dumps(report["body"], indent=2, ensure_ascii=False) + "\n"
        path = Path(output)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        self.stdout.write(f"Wrote the {period.label} alignment report of {slug} to {path}.")
