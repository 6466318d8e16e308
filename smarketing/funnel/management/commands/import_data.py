"""`import_data SLUG KIND FILE [--format …] [--mapping FILE] [--skip-invalid]`: the import
pipeline, in-process.

Exit status 0 when the file was stored, 1 otherwise (each problem printed once as
`row N, column C: message`), 2 for a usage error. Only the report is printed: errors on
stderr, the rest on stdout.
"""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.funnel import selectors, services
from smarketing.funnel.importers.kinds import KINDS
from smarketing.funnel.importers.mappings import FORMATS
from smarketing.funnel.models import ImportStatus
from tenants import provisioning

# Beyond this many, ignored columns are summarised (a HubSpot export has hundreds).
IGNORED_SHOWN = 10


def ignored_summary(names: list[str], shown: int = IGNORED_SHOWN) -> str:
    """`Ignored columns (3): a, b, c` or `Ignored columns (570): a, b, … and 560 more`."""
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"Ignored columns ({len(names)}): {listed}{more}"


class Command(BaseCommand):
    help = "Import a CSV file of one kind into a workspace (SPEC sections 3, 3.1 and 6)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=FORMATS,
            default="",
            help="default: a mapping saved for the file's header, else recognised from it",
        )
        parser.add_argument("--mapping", help="a mapping file (JSON, SPEC section 3.1)")
        parser.add_argument(
            "--save-mapping",
            action="store_true",
            help="with --mapping: use it for every later file with the same header",
        )
        parser.add_argument("--skip-invalid", action="store_true")

    def handle(self, *args, slug, kind, file, file_format, skip_invalid, **options):
        if options["save_mapping"] and not options["mapping"]:
            raise CommandError("--save-mapping needs --mapping FILE")
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        mapping = None
        if options["mapping"]:
            try:
                document = Path(options["mapping"]).read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {options['mapping']}: {error.strerror}") from error
            try:
                mapping = services.mapping_parse(document, kind=kind)
            except ValidationError as error:
                self.stderr.write(f"{options['mapping']}: {' '.join(error.messages)}")
                sys.exit(1)
        try:
            handle = open(file, "rb")  # noqa: SIM115 (closed below, after the import)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        with handle, schema_context(workspace.schema_name):
            try:
                accepted = services.import_job_create(
                    file=File(handle),
                    file_name=file,
                    kind=kind,
                    file_format=file_format,
                    skip_invalid=skip_invalid,
                    mapping=mapping,
                    save_mapping=options["save_mapping"],
                    enqueue=False,
                )
            except ValidationError as error:
                self.stderr.write(f"file: {' '.join(error.messages)}")
                sys.exit(1)
            job = accepted.job
            if accepted.created:
                job = services.import_job_run(job_id=job.pk) or job
            else:
                self.stdout.write(
                    f"This file was already imported (import {job.pk}, {job.status}); "
                    "nothing to do."
                )
            self._report(job)
            if job.status == ImportStatus.SUCCEEDED:
                return
        sys.exit(1)

    def _report(self, job) -> None:
        for problem in selectors.import_problem_iter(job=job):
            stream = self.stderr if problem.severity == "error" else self.stdout
            prefix = "" if problem.severity == "error" else "warning: "
            stream.write(prefix + problem.text)
        if job.ignored_columns:
            self.stdout.write(ignored_summary(job.ignored_columns))
        if job.mapping_origin:
            self.stdout.write(f"Mapping: {job.get_mapping_origin_display()}.")
        if job.status == ImportStatus.SUCCEEDED:
            self.stdout.write(
                f"Imported {job.kind} ({job.format}): {job.rows_read} rows read, "
                f"{job.rows_stored} stored, {job.rows_unchanged} unchanged, "
                f"{job.rows_rejected} rejected."
            )
        elif job.status == ImportStatus.REJECTED:
            self.stderr.write(
                f"Nothing stored: {job.error_count} problem(s) in {job.rows_rejected} row(s)."
            )
        else:
            self.stderr.write("Nothing stored: the import failed.")
