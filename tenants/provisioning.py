"""Creating, suspending and deleting workspaces.

A new schema is cloned from a template schema instead of running every migration (seconds →
well under one). The template is a Workspace row of its own, so `migrate_schemas` keeps it
current; before each clone we still check it holds every migration on disk, because a clone
of a stale template would silently lack tables.
"""

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from psycopg import sql

from smarketing.core.data_version import data_version_install, data_version_settle
from smarketing.core.db import tenant_connection

from .clone import schema_clone
from .models import Domain, Workspace

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$")
HOST_PATTERN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)
RESERVED_SLUGS = {"public", "www", "admin", "api", "static", "template", "workspace-template"}


class WorkspaceError(Exception):
    """A workspace operation that cannot be done, with a message for the person who asked."""


@dataclass(frozen=True)
class AdminAccount:
    email: str
    password: str


def schema_name_for_slug(slug: str) -> str:
    return "ws_" + slug.replace("-", "_")


def workspace_validate_new(*, slug: str, name: str, domain: str) -> None:
    if not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        raise WorkspaceError(
            f"Invalid slug {slug!r}: use 3-50 lowercase letters, digits and dashes, "
            "starting with a letter."
        )
    if not name.strip():
        raise WorkspaceError("The workspace needs a name.")
    if not HOST_PATTERN.match(domain):
        raise WorkspaceError(f"Invalid domain {domain!r}.")
    if domain in settings.PUBLIC_HOSTS:
        raise WorkspaceError(f"The domain {domain!r} is the public site's.")
    if Workspace.objects.filter(slug=slug).exists():
        raise WorkspaceError(f"A workspace with the slug {slug!r} already exists.")
    if Domain.objects.filter(domain__iexact=domain).exists():
        raise WorkspaceError(f"The domain {domain!r} is already used by another workspace.")


@functools.cache
def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """The migration files of this code (they cannot change while a process runs)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.disk_migrations)


def template_schema_ensure_current() -> str:
    """Create or migrate the template schema when it lacks any migration on disk."""
    template_schema = settings.TENANT_BASE_SCHEMA
    template, _ = Workspace.objects.get_or_create(
        schema_name=template_schema,
        defaults={
            "slug": "workspace-template",
            "name": "Template",
            "is_template": True,
            "is_active": False,
        },
    )
    if not schema_exists(template_schema):
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(template_schema)))
    if not migrations_on_disk() <= migrations_applied_in(template_schema):
        call_command("migrate_schemas", schema_name=template_schema, interactive=False, verbosity=0)
    tenant_connection().set_schema_to_public()
    return template.schema_name


def migrations_applied_in(schema_name: str) -> set[tuple[str, str]]:
    """Migrations recorded in a schema (none when it has no migration table yet)."""
    with connection.cursor() as cursor:
        # pg_catalog, not information_schema: its views scan every workspace's tables.
        cursor.execute(
            "SELECT to_regclass(format('%%I.django_migrations', %s::text))", [schema_name]
        )
        if cursor.fetchone()[0] is None:
            return set()
        cursor.execute(
            sql.SQL("SELECT app, name FROM {}").format(
                sql.Identifier(schema_name, "django_migrations")
            )
        )
        return {(app, name) for app, name in cursor.fetchall()}


def workspace_create(
    *, slug: str, name: str, domain: str, admin: AdminAccount | None = None
) -> Workspace:
    """Provision a workspace: its row, its host, its schema (cloned) and optionally an admin."""
    slug, domain = slug.strip().lower(), domain.strip().lower()
    workspace_validate_new(slug=slug, name=name, domain=domain)
    tenant_connection().set_schema_to_public()
    template_schema = template_schema_ensure_current()
    with transaction.atomic():
        workspace = Workspace.objects.create(
            slug=slug, name=name.strip(), schema_name=schema_name_for_slug(slug)
        )
        Domain.objects.create(domain=domain, tenant=workspace, is_primary=True)
        # DDL is transactional in PostgreSQL: a failure below leaves no schema behind.
        with connection.cursor() as cursor:
            schema_clone(cursor, template=template_schema, target=workspace.schema_name)
        # Every table has its data version trigger (the copy brings them; a new number too).
        data_version_install(workspace.schema_name)
        if admin is not None:
            with schema_context(workspace.schema_name):
                get_user_model().objects.create_workspace_admin(
                    email=admin.email, password=admin.password
                )
    tenant_connection().set_schema_to_public()
    return workspace


def workspace_suspend(*, workspace: Workspace) -> Workspace:
    workspace.is_active = False
    workspace.suspended_at = timezone.now()
    workspace.save(update_fields=["is_active", "suspended_at"])
    return workspace


def workspace_resume(*, workspace: Workspace) -> Workspace:
    workspace.is_active = True
    workspace.suspended_at = None
    workspace.save(update_fields=["is_active", "suspended_at"])
    return workspace


def workspace_delete(*, workspace: Workspace) -> None:
    """Delete the workspace and drop its schema with everything in it."""
    if workspace.schema_name == get_public_schema_name() or workspace.is_template:
        raise WorkspaceError("The public and template schemas cannot be deleted.")
    tenant_connection().set_schema_to_public()
    with transaction.atomic():
        # A transaction that wrote into the schema has its data version bump still pending,
        # and PostgreSQL drops no table with pending trigger events: run it now.
        data_version_settle(workspace.schema_name)
        workspace.delete(force_drop=True)


def dangerously_workspace_get(slug: str) -> Workspace:
    """Look a workspace up by slug, across tenants: for operator commands only."""
    try:
        return Workspace.objects.get(slug=slug, is_template=False)
    except Workspace.DoesNotExist:
        raise WorkspaceError(f"No workspace with the slug {slug!r}.") from None


def platform_ensure(*, public_hosts: list[str]) -> Workspace:
    """The public tenant and its hosts, created once (idempotent)."""
    public, _ = Workspace.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"slug": "public", "name": "smarketing"}
    )
    for host in public_hosts:
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": public, "is_primary": host == public_hosts[0]}
        )
    return public
