"""python manage.py survey_results SLUG SURVEY [--json]: a survey's suppressed results."""

import json

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from surveys import exports, selectors
from tenants import provisioning


class Command(BaseCommand):
    help = "Print a survey's aggregated results (anonymity rules applied), as text or JSON."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("survey", help="The survey's id.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, slug: str, survey: str, json: bool = False, **options):
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        with schema_context(workspace.schema_name):
            found = selectors.survey_get(int(survey)) if survey.isdigit() else None
            if found is None:
                raise CommandError(f"No survey {survey!r} in {slug}.")
            results = selectors.survey_results(found)
        if json:
            self.stdout.write(_dumps({"workspace": slug, **results}))
            return
        for row in exports.results_rows(results):
            self.stdout.write("\t".join("" if cell is None else str(cell) for cell in row))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
