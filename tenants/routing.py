"""Host → workspace resolution with a short cache.

The stock django-tenants middleware does two queries on every request. The answer changes only
when a domain is edited or a workspace is suspended or deleted, and those paths call
`routing_cache_forget_hosts`, so a short-lived cache entry is safe.
"""

from django.conf import settings
from django.core.cache import caches

from .models import Domain, Workspace

_MISSING = "missing"


def _key(hostname: str) -> str:
    return f"host:{hostname.lower()}"


def workspace_for_host(hostname: str) -> Workspace | None:
    """The workspace serving `hostname`, or None when no active workspace does."""
    cached = caches["routing"].get(_key(hostname))
    if cached == _MISSING:
        return None
    if cached is not None:
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain__iexact=hostname).first()
    workspace = domain.tenant if domain else None
    if workspace is not None and workspace.is_template:
        workspace = None
    caches["routing"].set(_key(hostname), workspace or _MISSING, settings.TENANT_CACHE_SECONDS)
    return workspace


def routing_cache_forget_hosts(hostnames: list[str]) -> None:
    caches["routing"].delete_many([_key(hostname) for hostname in hostnames])
