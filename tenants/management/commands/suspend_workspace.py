from django.core.management.base import BaseCommand, CommandError

from tenants import provisioning


class Command(BaseCommand):
    help = (
        "Suspend a workspace (its hosts answer no request) or, with --resume, lift the suspension."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--resume", action="store_true")

    def handle(self, *args, slug, resume, **options):
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        if resume:
            provisioning.workspace_resume(workspace=workspace)
            self.stdout.write(f"Resumed workspace {slug}")
        else:
            provisioning.workspace_suspend(workspace=workspace)
            self.stdout.write(f"Suspended workspace {slug}")
