"""`python manage.py plan_funnel SLUG --revenue 1000000 [--period 2025-Q3] [--json]`."""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, PeriodError, period_containing
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.planner import funnel_plan_get

from .compute_kpis import workspace_schema


class Command(BaseCommand):
    help = "Work back from a revenue target to the deals, opportunities, SQLs, MQLs, leads and "
    "sessions needed, with the rates of the trailing 12 months."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--revenue", required=True)
        parser.add_argument("--period", help="year, quarter or month (default: next quarter)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, slug, revenue, period, as_json, **options):
        try:
            target = Decimal(revenue)
        except InvalidOperation as error:
            raise CommandError(f"--revenue {revenue!r} is not a number") from error
        if target < 0:
            raise CommandError("--revenue must not be negative")
        with schema_context(workspace_schema(slug)):
            try:
                if period:
                    parsed = kpi_period_parse(period)
                else:
                    today = kpi_period_parse(date.today().isoformat()[:7])
                    parsed = period_containing(Grain.QUARTER, today.first_day, today.time_zone)
                    parsed = parsed.next()
                plan = funnel_plan_get(revenue=target, period=parsed)
            except PeriodError as error:
                raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(json.dumps({"workspace": slug, **plan}))
            return
        self.stdout.write(f"{slug} · plan for {plan['period']['label']} · revenue {target:,}")
        self.stdout.write(f"rates of [{plan['rates_from']['start']}, {plan['rates_from']['end']}):")
        for key, value in plan["rates"].items():
            self.stdout.write(f"  {key:<30} {'—' if value is None else value}")
        self.stdout.write(f"{'needed':<16}{'total':>14}{'per month':>14}")
        for name, value in plan["figures"].items():
            monthly = plan["per_month"][name]
            self.stdout.write(
                f"{name:<16}{'—' if value is None else f'{value:,}':>14}"
                f"{'—' if monthly is None else f'{monthly:,}':>14}"
            )
        for message in plan["messages"]:
            self.stderr.write(message)
