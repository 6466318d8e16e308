"""`python manage.py exchange_rates SLUG --set CUR=RATE [--set CUR=RATE ...] [--month YYYY-MM]`
(SPEC section 6): RATE is the value of 1 unit of CUR in the workspace's currency, for that month
or (without --month) for every month that has no rate of its own. Prints every rate as JSON
afterwards. A bad code or rate is refused with a message and nothing changes; KPI snapshots of
the months concerned are recomputed."""

import json
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.configuration import services
from smarketing.configuration.selectors import exchange_rate_list
from tenants import provisioning

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_parse(text: str) -> date:
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise CommandError(f"--month {text!r}: write YYYY-MM, e.g. 2025-03; nothing changed")
    return date(int(found.group(1)), int(found.group(2)), 1)


class Command(BaseCommand):
    help = "Set exchange rates to the workspace's currency (per month, or for every month)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--set", action="append", default=[], dest="assignments", metavar="CUR=RATE"
        )
        parser.add_argument("--month", help="YYYY-MM; without it the rate serves every month")

    def handle(self, *args, slug, assignments, month, **options):
        try:
            schema = provisioning.dangerously_workspace_get(slug).schema_name
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        first_day = month_parse(month) if month else None
        rates = {}
        for assignment in assignments:
            try:
                currency, rate = services.exchange_rate_parse(assignment)
            except ValueError as error:
                raise CommandError(f"{error}; nothing changed") from error
            rates[currency] = rate
        with schema_context(schema):
            if rates:
                try:
                    services.exchange_rates_set(rates=rates, month=first_day)
                except ValidationError as error:
                    raise CommandError("nothing changed: " + "; ".join(error.messages)) from error
            body = [
                {
                    "currency": row.currency,
                    "month": row.month.strftime("%Y-%m") if row.month else None,
                    "rate": str(row.rate.normalize()),
                }
                for row in exchange_rate_list()
            ]
        self.stdout.write(json.dumps(body, indent=2))
