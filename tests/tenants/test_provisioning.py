import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.signals import schema_migrated
from django_tenants.utils import schema_context, schema_exists
from psycopg import sql

from smarketing.accounts.models import User
from tenants import provisioning
from tenants.models import Domain, Workspace


def test_create_workspace_command_provisions_schema_host_and_admin(db, capsys):
    call_command(
        "create_workspace",
        "acme",
        "--name",
        "Acme Inc",
        "--domain",
        "acme.localhost",
        "--admin-email",
        "Boss@Acme.test",
        "--admin-password",
        "s3cret-pass-word",
    )
    workspace = Workspace.objects.get(slug="acme")
    assert workspace.schema_name == "ws_acme"
    assert schema_exists("ws_acme")
    assert Domain.objects.get(domain="acme.localhost").tenant == workspace
    with schema_context("ws_acme"):
        admin = User.objects.get()
        assert admin.email == "boss@acme.test"
        assert admin.role == "admin" and admin.is_staff
        assert admin.check_password("s3cret-pass-word")
    assert "Created workspace acme" in capsys.readouterr().out


def test_cloned_schema_has_every_migration_on_disk(db):
    workspace = provisioning.workspace_create(slug="fresh", name="Fresh", domain="fresh.localhost")
    on_disk = provisioning.migrations_on_disk()
    assert on_disk, "no migrations found"
    assert on_disk <= provisioning.migrations_applied_in(workspace.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [workspace.schema_name],
        )
        clone_tables = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ws_alpha'"
        )
        assert clone_tables == cursor.fetchone()[0]


def test_stale_template_is_migrated_before_cloning(db):
    """A template that lacks a migration is migrated first, so no clone is ever behind."""
    template = provisioning.template_schema_ensure_current()
    # authtoken 0004 only alters model options: re-applying it changes no table.
    missing = ("authtoken", "0004_alter_tokenproxy_options")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE app = %s AND name = %s").format(
                sql.Identifier(template, "django_migrations")
            ),
            list(missing),
        )
    assert missing not in provisioning.migrations_applied_in(template)
    workspace = provisioning.workspace_create(slug="later", name="Later", domain="later.localhost")
    assert missing in provisioning.migrations_applied_in(template)
    assert missing in provisioning.migrations_applied_in(workspace.schema_name)


@pytest.mark.parametrize(
    ("slug", "domain", "message"),
    [
        ("alpha", "other.localhost", "slug 'alpha' already exists"),
        ("newco", "alpha.localhost", "domain 'alpha.localhost' is already used"),
        ("Bad_Slug", "bad.localhost", "Invalid slug"),
        ("public", "pub.localhost", "Invalid slug"),
        ("okay", "not a host", "Invalid domain"),
        ("okay", "localhost", "public site"),
    ],
)
def test_invalid_or_duplicate_workspace_is_rejected_with_a_clear_error(
    db, alpha, slug, domain, message
):
    with pytest.raises(CommandError, match=message):
        call_command("create_workspace", slug, "--name", "X", "--domain", domain)
    assert not Workspace.objects.filter(slug=slug, name="X").exists()


def test_suspended_workspace_answers_no_request_and_resumes(db, alice, alice_client, alpha):
    assert alice_client.get("/").status_code == 200
    call_command("suspend_workspace", "alpha")
    response = alice_client.get("/")
    assert response.status_code == 403
    assert b"suspended" in response.content
    assert alice_client.get("/api/v1/me/").status_code == 403
    call_command("suspend_workspace", "alpha", "--resume")
    assert alice_client.get("/").status_code == 200


def test_delete_workspace_drops_the_schema_and_frees_the_host(db):
    provisioning.workspace_create(slug="doomed", name="Doomed", domain="doomed.localhost")
    assert schema_exists("ws_doomed")
    call_command("delete_workspace", "doomed", "--yes")
    assert not schema_exists("ws_doomed")
    assert not Workspace.objects.filter(slug="doomed").exists()
    from django.test import Client

    assert Client(HTTP_HOST="doomed.localhost").get("/").status_code == 404


def test_delete_workspace_without_confirmation_deletes_nothing(db, monkeypatch):
    provisioning.workspace_create(slug="kept", name="Kept", domain="kept.localhost")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("delete_workspace", "kept")
    assert schema_exists("ws_kept")


def test_unknown_workspace_commands_fail_clearly(db):
    with pytest.raises(CommandError, match="No workspace with the slug 'ghost'"):
        call_command("suspend_workspace", "ghost")


def _forget_migration(schema: str, app: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE app = %s AND name = %s").format(
                sql.Identifier(schema, "django_migrations")
            ),
            [app, name],
        )


def test_migrate_schemas_visits_only_the_schemas_behind(db, capsys):
    """Up-to-date workspaces are skipped (no graph, no post_migrate); one lacking a migration
    is migrated; --check still sees every schema."""
    schemas = list(
        Workspace.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    assert len(schemas) >= 2
    missing = ("authtoken", "0004_alter_tokenproxy_options")
    _forget_migration("ws_alpha", *missing)
    visited = []

    def record(sender, schema_name, **kwargs):
        visited.append(schema_name)

    schema_migrated.connect(record)
    try:
        call_command("migrate_schemas", interactive=False, executor="standard")
    finally:
        schema_migrated.disconnect(record)
    assert missing in provisioning.migrations_applied_in("ws_alpha")
    assert [schema for schema in visited if schema != "public"] == ["ws_alpha"]
    skipped = f"{len(schemas) - 1} of {len(schemas)} schemas hold every migration: skipped"
    assert skipped in capsys.readouterr().out


def test_migrate_schemas_check_still_sees_every_schema(db):
    _forget_migration("ws_alpha", "authtoken", "0004_alter_tokenproxy_options")
    with pytest.raises(SystemExit):
        call_command(
            "migrate_schemas", interactive=False, executor="standard", check_unapplied=True
        )
