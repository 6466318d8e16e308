from django.core.management.base import BaseCommand, CommandError

from tenants import provisioning


class Command(BaseCommand):
    help = "Delete a workspace and drop its schema with all its data. Asks first unless --yes."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, slug, yes, **options):
        try:
            workspace = provisioning.dangerously_workspace_get(slug)
        except provisioning.WorkspaceError as error:
            raise CommandError(str(error)) from error
        if not yes:
            answer = input(
                f"Delete workspace {slug} and drop schema {workspace.schema_name} with all its "
                "data? Type the slug to confirm: "
            )
            if answer.strip() != slug:
                raise CommandError("Not confirmed; nothing deleted.")
        provisioning.workspace_delete(workspace=workspace)
        self.stdout.write(f"Deleted workspace {slug}")
