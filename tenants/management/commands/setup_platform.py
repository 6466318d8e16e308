import os

from django.conf import settings
from django.core.management.base import BaseCommand

from smarketing.accounts.models import User
from tenants import provisioning


class Command(BaseCommand):
    help = "Idempotent: the public site's hosts, the template schema and a platform operator."

    def add_arguments(self, parser):
        parser.add_argument("--operator-email", default=os.environ.get("OPERATOR_EMAIL"))
        parser.add_argument("--operator-password", default=os.environ.get("OPERATOR_PASSWORD"))

    def handle(self, *args, operator_email, operator_password, **options):
        provisioning.platform_ensure(public_hosts=settings.PUBLIC_HOSTS)
        provisioning.template_schema_ensure_current()
        if operator_email and operator_password:
            operator, created = User.objects.get_or_create(
                username=operator_email,
                defaults={"email": operator_email, "is_staff": True, "is_superuser": True},
            )
            if created:
                operator.set_password(operator_password)
                operator.save()
            self.stdout.write(f"Platform operator: {operator_email}")
        self.stdout.write("Platform ready.")
