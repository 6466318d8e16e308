"""`python manage.py refresh_snapshots SLUG` (SPEC 6): recompute every stored snapshot now, in
this process, printing each step and the total time."""

import time

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from smarketing.kpis.services import kpi_snapshot_refresh_all

from .compute_kpis import workspace_schema


class Command(BaseCommand):
    help = "Recompute every KPI snapshot (weeks, months, quarters) of a workspace, in this process."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        started = time.perf_counter()
        with schema_context(workspace_schema(slug)):
            job = kpi_snapshot_refresh_all(progress=self.stdout.write)
        self.stdout.write(
            f"Refreshed {job.periods_total} snapshots of {slug}"
            f" ({job.snapshots_changed} changed) in {time.perf_counter() - started:.1f} s."
        )
