"""`python manage.py workspace_settings SLUG [--set KEY=VALUE ...]` (SPEC section 6): prints the
workspace's settings as JSON, after applying the changes given. Changes go through the same
service as the settings page and API (same validation; KPI inputs queue the snapshot refresh);
an unknown key or a bad value is refused with a message and nothing changes."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import schema_context

from smarketing.configuration import services
from smarketing.configuration.selectors import workspace_settings_get
from tenants import provisioning


class Command(BaseCommand):
    help = "Print a workspace's settings as JSON; --set KEY=VALUE changes one first."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            dest="assignments",
            metavar="KEY=VALUE",
            help=f"one of {', '.join(services.SETTABLE_KEYS)} (on/off for switches)",
        )

    def handle(self, *args, slug, assignments, **options):
        try:
            schema = provisioning.dangerously_workspace_get(slug).schema_name
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        with schema_context(schema):
            try:
                changes = services.workspace_settings_text_parse(assignments)
                if changes:
                    with transaction.atomic():
                        services.workspace_settings_update(changes=changes)
            except ValidationError as error:
                raise CommandError("nothing changed: " + "; ".join(error.messages)) from error
            body = services.workspace_settings_describe(workspace_settings_get())
        self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
