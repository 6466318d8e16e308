"""`python manage.py compute_kpis SLUG --period PERIOD [--by source|owner] [--json]` (SPEC 6)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.core.periods import PeriodError
from smarketing.kpis.definitions import BREAKDOWNS
from smarketing.kpis.formatting import report_table
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.reports import kpi_report
from tenants import provisioning


def workspace_schema(slug: str) -> str:
    try:
        return provisioning.dangerously_workspace_get(slug).schema_name
    except provisioning.WorkspaceError as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = "Compute every KPI of a workspace for a period, optionally by source or owner."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--period", required=True, help="2025, 2025-Q1, 2025-03, 2025-W10 or [from, to)"
        )
        parser.add_argument("--by", choices=BREAKDOWNS)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print SPEC section 6 JSON"
        )

    def handle(self, *args, slug, period, by, as_json: bool, **options):
        with schema_context(workspace_schema(slug)):
            try:
                parsed = kpi_period_parse(period)
            except PeriodError as error:
                raise CommandError(str(error)) from error
            report = kpi_report(period=parsed, by=by)
        body = {"workspace": slug, **report}
        if as_json:
            self.stdout.write(json.dumps(body, ensure_ascii=False))
        else:
            self.stdout.write(report_table(body, period_label=parsed.label))
