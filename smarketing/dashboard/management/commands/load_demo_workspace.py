"""Idempotent: the demo workspace `demo` with an admin, and (once) its demo data."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from smarketing.dashboard.demo import (
    demo_glossary_seed,
    demo_reasons_seed,
    demo_slas_seed,
    demo_team_logins,
)
from smarketing.funnel.models import Lead
from smarketing.funnel.services import demo_data_import
from surveys.demo import survey_demo_seed
from tenants.models import Workspace

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.localhost"
DEMO_ADMIN_EMAIL = "admin@demo.localhost"
DEMO_ADMIN_PASSWORD = "demo-admin-pass"  # noqa: S105 (a public demo login, printed on purpose)


class Command(BaseCommand):
    help = "Create the demo workspace if missing and fill it with realistic demo data once."

    def handle(self, *args, **options):
        call_command(
            "ensure_demo_workspace",
            slug=DEMO_SLUG,
            domain=DEMO_DOMAIN,
            admin_email=DEMO_ADMIN_EMAIL,
            admin_password=DEMO_ADMIN_PASSWORD,
        )
        with schema_context(Workspace.objects.get(slug=DEMO_SLUG).schema_name):
            # The CRM's reason values mapped onto the lists before the data is imported.
            if not Lead.objects.exists() and demo_reasons_seed():
                self.stdout.write("Mapped the demo CRM's rejection and loss reasons.")
            # Funnel data once (only while the demo has no leads), through the import pipeline.
            for job in demo_data_import(directory=settings.BASE_DIR / ".local" / "demo-data"):
                self.stdout.write(f"Imported demo {job.kind}: {job.rows_stored} rows.")
            # Survey history (kept last, so NPS answers can be linked to the demo's leads).
            if survey_demo_seed():
                self.stdout.write("Seeded the demo survey history.")
            if judged := demo_slas_seed():
                self.stdout.write(f"Agreed the demo SLAs and judged {judged} past periods.")
            if number := demo_glossary_seed():
                self.stdout.write(f"Both teams signed the demo glossary (version {number}).")
            port = os.environ.get("PORT", "8000")
            for team, email, password in demo_team_logins():
                self.stdout.write(
                    f"  as {team}: http://{DEMO_DOMAIN}:{port}/  sign in as {email} / {password}"
                )
