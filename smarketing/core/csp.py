"""The Content-Security-Policy header, built once per process for the responses that can share it.

django-csp's middleware builds the policy text from the settings on every response, twice (the
policy and the report-only one): about a sixth of the CPU of an API request. The text only
varies with the request's nonce or a view's own policy (`@csp_update` and friends); every other
response (JSON, redirects, pages without inline scripts) gets the same header. Those get it
from here; the rest go through django-csp unchanged.
"""

from __future__ import annotations

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a view or decorator may put on its response to change or drop the policy.
VIEW_POLICY_ATTRIBUTES = tuple(
    f"_csp_{part}{suffix}"
    for part in ("config", "update", "replace", "exempt")
    for suffix in ("", "_ro")
)
POLICY_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")


@cache
def shared_policy_headers() -> tuple[tuple[str, str], ...] | None:
    """(header, text) for a response without nonce or view policy; None when the settings
    exclude URL prefixes (then each response's path decides: django-csp's own path)."""
    if any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in POLICY_SETTINGS
    ):
        return None
    headers = ((HEADER, build_policy()), (HEADER_REPORT_ONLY, build_policy(report_only=True)))
    return tuple((header, text) for header, text in headers if text)


@receiver(setting_changed)
def _policy_settings_changed(setting: str, **kwargs) -> None:
    if setting in POLICY_SETTINGS:
        shared_policy_headers.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the shared header for responses that use no nonce."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        headers = shared_policy_headers()
        if (
            headers is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in VIEW_POLICY_ATTRIBUTES)
            or settings.DEBUG  # django-csp leaves Django's debug error pages alone
        ):
            return super().process_response(request, response)
        for header, text in headers:
            if header not in response:
                response[header] = text
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
