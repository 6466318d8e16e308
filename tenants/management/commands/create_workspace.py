import time

from django.core.management.base import BaseCommand, CommandError

from tenants import provisioning


class Command(BaseCommand):
    help = (
        "Create a workspace: its schema (cloned from the template), its host, optionally an admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain", required=True)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-password")

    def handle(self, *args, slug, name, domain, admin_email, admin_password, **options):
        if bool(admin_email) != bool(admin_password):
            raise CommandError("--admin-email and --admin-password go together.")
        admin = provisioning.AdminAccount(admin_email, admin_password) if admin_email else None
        started = time.perf_counter()
        try:
            workspace = provisioning.workspace_create(
                slug=slug, name=name, domain=domain, admin=admin
            )
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created workspace {workspace.slug} (schema {workspace.schema_name}) at {domain} "
            f"in {elapsed:.2f} s"
        )
