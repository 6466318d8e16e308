from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants import provisioning
from tenants.routing import workspace_for_host


def test_unknown_host_gets_a_404_page_without_public_data(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"no workspace at this address" in response.content
    assert b"platform admin" not in response.content


def test_disallowed_host_gets_a_404_not_a_server_error(db):
    assert Client(HTTP_HOST="evil.example.com").get("/").status_code == 404


def test_public_host_serves_the_landing_page_not_a_workspace(db):
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 200
    assert b"platform admin" in response.content
    assert Client(HTTP_HOST="localhost").get("/api/v1/me/").status_code == 404


def test_host_lookup_is_cached_after_the_first_request(db, alpha):
    workspace_for_host("alpha.localhost")
    with CaptureQueriesContext(connection) as queries:
        assert workspace_for_host("alpha.localhost").slug == "alpha"
    assert len(queries) == 0


def test_cache_is_invalidated_when_a_domain_changes(db, alpha):
    assert workspace_for_host("alpha.localhost").slug == "alpha"
    domain = alpha.domains.get()
    domain.domain = "alpha-renamed.localhost"
    domain.save()
    assert workspace_for_host("alpha-renamed.localhost").slug == "alpha"
    # The old host is forgotten at once, not after the cache's lifetime.
    domain.delete()
    assert workspace_for_host("alpha-renamed.localhost") is None


def test_cache_is_invalidated_when_a_workspace_is_suspended(db, alpha):
    assert workspace_for_host("alpha.localhost").is_active
    provisioning.workspace_suspend(workspace=alpha)
    assert not workspace_for_host("alpha.localhost").is_active


def test_template_schema_is_never_routed(db):
    from tenants.models import Domain, Workspace

    template = Workspace.objects.get(is_template=True)
    Domain.objects.create(domain="template.localhost", tenant=template)
    assert Client(HTTP_HOST="template.localhost").get("/login/").status_code == 404


def test_the_old_host_stops_routing_at_once_after_a_rename(db, alpha):
    """The rename forgot only the new name: the old one kept routing for the cache's 30 s."""
    assert workspace_for_host("alpha.localhost").slug == "alpha"  # cached
    domain = alpha.domains.get()
    domain.domain = "alpha-renamed.localhost"
    domain.save()
    assert workspace_for_host("alpha.localhost") is None
    assert Client(HTTP_HOST="alpha.localhost").get("/login/").status_code == 404
