"""`python manage.py sla_apply SLUG FILE` (SPEC section 6): the SLAs in FILE become the
workspace's SLAs, matched by name; those not in it are retired (their history kept)."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.kpis.management.commands.compute_kpis import workspace_schema
from smarketing.slas.services import slas_apply

EXAMPLE = '{"slas": [{"name": "MQLs delivered", "kpi": "mqls", "source": null, ...}]}'


def slas_file_read(path: str) -> list:
    """The list of SLAs of a file, or CommandError saying what is wrong with the file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read the file ({error})") from error
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"{path}: not JSON ({error})") from error
    if not isinstance(body, dict) or not isinstance(body.get("slas"), list):
        raise CommandError(f'{path}: expected an object with a list "slas", e.g. {EXAMPLE}')
    return body["slas"]


class Command(BaseCommand):
    help = "Make the SLAs of a JSON file the workspace's SLAs (declarative, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")

    def handle(self, *args, slug, file, **options):
        slas = slas_file_read(file)
        with schema_context(workspace_schema(slug)):
            try:
                result = slas_apply(slas=slas)
            except ValidationError as error:
                raise CommandError(
                    "nothing changed:\n" + "\n".join(f"  {message}" for message in error.messages)
                ) from error
        for action in ("created", "updated", "retired", "unchanged"):
            for name in result[action]:
                self.stdout.write(f"{action}: {name}")
        counts = ", ".join(f"{len(result[action])} {action}" for action in result)
        self.stdout.write(f"{slug}: {counts}.")
