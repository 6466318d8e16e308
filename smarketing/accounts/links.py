"""Absolute links into a workspace, for emails: never built from the request's Host header.

A link in an email is built from the workspace's primary domain and the one scheme and port
the deployment is configured with (`WORKSPACE_URL_SCHEME`, `WORKSPACE_URL_PORT`), whatever host,
port or letter case the request that caused it came with, and whether or not there is a
request (reminders are sent by beat). Every emailed link uses this helper: invitations,
password resets, survey invitations and reminders.
"""

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_domain_model


class NoWorkspaceDomain(LookupError):
    """The current schema has no domain to link to."""


def workspace_base_url(schema_name: str | None = None) -> str:
    """`https://acme.example.com` (with the configured port, if any) for the current workspace,
    or for `schema_name`."""
    schema = schema_name or connection.schema_name  # type: ignore[attr-defined]
    domains = get_tenant_domain_model().objects.filter(tenant__schema_name=schema)
    domain = domains.order_by("-is_primary", "pk").values_list("domain", flat=True).first()
    if domain is None:
        raise NoWorkspaceDomain(f"the schema {schema!r} has no domain")
    port = str(getattr(settings, "WORKSPACE_URL_PORT", "") or "")
    scheme = getattr(settings, "WORKSPACE_URL_SCHEME", "https")
    default_port = {"http": "80", "https": "443"}.get(scheme)
    suffix = f":{port}" if port and port != default_port else ""
    return f"{scheme}://{domain.lower()}{suffix}"


def workspace_url(path: str, schema_name: str | None = None) -> str:
    """An absolute link to `path` (e.g. from `reverse`) in the current workspace."""
    return workspace_base_url(schema_name) + "/" + path.lstrip("/")
