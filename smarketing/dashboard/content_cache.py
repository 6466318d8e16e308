"""A page's computed content kept in the cache, rebuilt only when what it shows may change.

The overview's figures take tens of milliseconds to compute and render, and change only when the
workspace's data does. Its rendered main block is kept under a key naming everything it depends
on: the workspace (every key carries its schema and the database), its data version (a new one
commits with every write of the workspace's rows: smarketing/core/data_version.py) on every
database the page reads, the workspace's row of the public schema (its name), the viewer's role
(admins see more links), the page's query (period, source), and the workspace's local date (the
default period, periods in progress, the SLA periods closed). Within a day what changes with the
clock alone, a cohort's "maturing" flag, sets the entry's own end (`valid_until`); entries also
expire after CONTENT_CACHE_SECONDS whatever happens (a safety net, and a deploy's new templates).

Nothing of one response may reach another: the CSP nonce is swapped for a placeholder in the
stored copy and the response's own put back; content holding a CSRF token is never stored.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, router
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone

from smarketing.core.data_version import data_version_get
from smarketing.kpis.models import KpiSnapshot

# Bumped when what is stored changes shape.
CONTENT_FORMAT = 1
NONCE_PLACEHOLDER = "\x00csp-nonce\x00"
CSRF_FIELD = "csrfmiddlewaretoken"


def content_cache_enabled() -> bool:
    return settings.CONTENT_CACHE_SECONDS > 0


def content_key(request: HttpRequest, page: str) -> str | None:
    """The key of `page`'s content for this request, or None when it must not be cached (a
    transaction with uncommitted writes, for which no data version stands)."""
    versions = []
    for alias in dict.fromkeys((DEFAULT_DB_ALIAS, router.db_for_read(KpiSnapshot))):
        version = data_version_get(alias or DEFAULT_DB_ALIAS)
        if version is None:
            return None
        versions.append(str(version))
    tenant: Any = getattr(request, "tenant", None)
    user: Any = request.user
    query = sorted((key, request.GET.getlist(key)) for key in request.GET)
    parts = [
        tenant.pk if tenant else "",
        tenant.name if tenant else "",
        user.role,
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        repr(query),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"page-content:{CONTENT_FORMAT}:{page}:{'.'.join(versions)}:{digest}"


def kept_get(request: HttpRequest, key: str) -> tuple[datetime | None, str] | None:
    """(the entry's own end, the stored HTML with this response's nonce), or None."""
    stored = cache.get(key)
    if stored is None:
        return None
    valid_until, html = stored
    if valid_until is not None and timezone.now() >= valid_until:
        return None
    if NONCE_PLACEHOLDER in html:
        html = html.replace(NONCE_PLACEHOLDER, str(request.csp_nonce))  # type: ignore[attr-defined]
    return valid_until, html


def content_get(request: HttpRequest, key: str) -> str | None:
    kept = kept_get(request, key)
    return None if kept is None else kept[1]


def content_set(request: HttpRequest, key: str, html: str, *, valid_until: datetime | None) -> None:
    if CSRF_FIELD in html:  # a token of this session: never served to another
        return
    _store(request, key, html, valid_until)


def _store(request: HttpRequest, key: str, html: str, valid_until: datetime | None) -> None:
    nonce = getattr(request, "_csp_nonce", None)  # set only if the content used it
    if isinstance(nonce, str) and nonce in html:
        html = html.replace(nonce, NONCE_PLACEHOLDER)
    cache.set(key, (valid_until, html), settings.CONTENT_CACHE_SECONDS)


# --- the whole page, for one person -------------------------------------------------------------
# Around the content, the layout shows the person (email, role, team), their unread count and the
# navigation (links carrying the query): rows of the workspace too, so the same data version
# stands for them. The page is kept per person and path; its CSRF tokens are stored as a
# placeholder and each response gets a token of its own session; a page showing messages (shown
# once) is never kept.
CSRF_VALUE = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(">)')
CSRF_PLACEHOLDER = "\x00csrf-token\x00"


def page_key(request: HttpRequest, page: str) -> str | None:
    key = content_key(request, page)
    if key is None or len(get_messages(request)):
        return None
    user: Any = request.user
    where = hashlib.sha256(request.path.encode()).hexdigest()[:16]
    return f"{key}:person-{user.pk}:{where}"


def page_get(request: HttpRequest, key: str) -> str | None:
    html = content_get(request, key)
    if html is not None and CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return html


def page_set(request: HttpRequest, key: str, html: str, *, valid_until: datetime | None) -> None:
    html, replaced = CSRF_VALUE.subn(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)
    if html.count(CSRF_FIELD) != replaced:  # a token in another form: never kept
        return
    _store(request, key, html, valid_until)
