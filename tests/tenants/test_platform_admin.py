from django.test import Client
from django_tenants.utils import schema_exists

from smarketing.accounts.models import User
from tenants.models import Workspace


def _operator_client(db) -> Client:
    User.objects.create_superuser(
        username="op", email="op@platform.test", password="op-secret-pass"
    )
    client = Client(HTTP_HOST="localhost")
    assert client.login(username="op", password="op-secret-pass")
    return client


def test_operator_creates_suspends_and_deletes_a_workspace(db):
    client = _operator_client(db)
    response = client.post(
        "/platform/tenants/workspace/add/",
        {
            "slug": "globex",
            "name": "Globex",
            "domain": "globex.localhost",
            "admin_email": "hank@globex.test",
            "admin_password": "globex-secret-1",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    workspace = Workspace.objects.get(slug="globex")
    assert schema_exists(workspace.schema_name)

    client.post(
        "/platform/tenants/workspace/", {"action": "suspend", "_selected_action": [workspace.pk]}
    )
    workspace.refresh_from_db()
    assert not workspace.is_active

    client.post(
        "/platform/tenants/workspace/",
        {
            "action": "delete_with_schema",
            "_selected_action": [workspace.pk],
        },
    )
    assert not Workspace.objects.filter(slug="globex").exists()
    assert not schema_exists("ws_globex")


def test_operator_sees_a_clear_error_for_a_duplicate_slug(db, alpha):
    client = _operator_client(db)
    response = client.post(
        "/platform/tenants/workspace/add/",
        {
            "slug": "alpha",
            "name": "Again",
            "domain": "again.localhost",
        },
    )
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_workspace_list_hides_the_public_and_template_schemas(db, alpha, beta):
    client = _operator_client(db)
    page = client.get("/platform/tenants/workspace/").content.decode()
    assert "alpha" in page and "beta" in page
    assert "workspace_template" not in page
