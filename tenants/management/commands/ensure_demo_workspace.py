import os

from django.core.management.base import BaseCommand

from tenants import provisioning
from tenants.models import Workspace


class Command(BaseCommand):
    help = "Idempotent: the demo workspace with an admin. Prints where and how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="demo")
        parser.add_argument("--domain", default="demo.localhost")
        parser.add_argument("--admin-email", default="admin@demo.localhost")
        parser.add_argument("--admin-password", default="demo-admin-pass")

    def handle(self, *args, slug, domain, admin_email, admin_password, **options):
        if not Workspace.objects.filter(slug=slug).exists():
            provisioning.workspace_create(
                slug=slug,
                name="Demo Company",
                domain=domain,
                admin=provisioning.AdminAccount(admin_email, admin_password),
            )
            self.stdout.write(f"Created the demo workspace {slug}.")
        # `make run` serves on $PORT (default 8000): the printed address must be the real one.
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Demo workspace: http://{domain}:{port}/  sign in as {admin_email} / {admin_password}"
        )
