"""`python manage.py evaluate_slas SLUG --period P [--json]` (SPEC section 6): evaluate, store
and print every SLA whose period kind is P's (a week, month or quarter)."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.core.periods import PeriodError
from smarketing.kpis.management.commands.compute_kpis import workspace_schema
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.slas.output import sla_period_report
from smarketing.slas.services import slas_evaluate_period


def report_table(body: dict, label: str) -> str:
    lines = [f"SLAs of {label} ({body['period']['start']} – {body['period']['end']}):"]
    if not body["slas"]:
        lines.append("  no active SLA is judged per period of this kind")
    for sla in body["slas"]:
        scope = f" [{sla['source']}]" if sla["source"] else ""
        value = "—" if sla["value"] is None else sla["value"]
        lines.append(
            f"  {sla['status']:<8}  {sla['name']} ({sla['team']}): {sla['kpi']}{scope} = {value}"
            f" (target {sla['comparator']} {sla['target']})"
        )
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Evaluate and store the SLAs of a week, month or quarter, and print them."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--period", required=True, help="2025-W10, 2025-03 or 2025-Q1")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print SPEC section 6 JSON"
        )

    def handle(self, *args, slug, period, as_json: bool, **options):
        with schema_context(workspace_schema(slug)):
            try:
                parsed = kpi_period_parse(period)
                evaluations = slas_evaluate_period(period=parsed)
            except (PeriodError, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                raise CommandError(message) from error
            body = sla_period_report(slug, parsed, evaluations)
        if as_json:
            self.stdout.write(json.dumps(body, ensure_ascii=False))
        else:
            self.stdout.write(report_table(body, parsed.label))
