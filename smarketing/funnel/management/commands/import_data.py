"""`import_data SLUG KIND FILE [--format …] [--skip-invalid]`: the import pipeline, in-process.

Exit status 0 when the file was stored, 1 otherwise (each problem printed as
`row N, column C: message`), 2 for a usage error.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from smarketing.funnel import selectors, services
from smarketing.funnel.importers.kinds import KINDS
from smarketing.funnel.importers.mappings import FORMATS
from smarketing.funnel.models import ImportStatus
from tenants import provisioning


class Command(BaseCommand):
    help = "Import a CSV file of one kind into a workspace (SPEC section 3 and 6)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file")
        parser.add_argument("--format", dest="file_format", choices=FORMATS, default="canonical")
        parser.add_argument("--skip-invalid", action="store_true")

    def handle(self, *args, slug, kind, file, file_format, skip_invalid, **options):
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
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
            for problem in selectors.import_problem_iter(job=job):
                stream = self.stderr if problem.severity == "error" else self.stdout
                prefix = "" if problem.severity == "error" else "warning: "
                stream.write(prefix + problem.text)
            if job.ignored_columns:
                self.stdout.write(f"Ignored columns: {', '.join(job.ignored_columns)}")
            if job.status == ImportStatus.SUCCEEDED:
                self.stdout.write(
                    f"Imported {job.kind}: {job.rows_read} rows read, {job.rows_stored} stored, "
                    f"{job.rows_unchanged} unchanged, {job.rows_rejected} rejected."
                )
                return
            self.stderr.write(
                f"Nothing stored: {job.error_count} problem(s) in {job.rows_rejected} row(s)."
                if job.status == ImportStatus.REJECTED
                else "Nothing stored: the import failed."
            )
        sys.exit(1)
