"""The WSGI application of the web benchmark: smarketing's own, plus `/baseline/`.

`/baseline/` is the yardstick of goal 3: a bare Django view reading one row, served by the same
gunicorn processes with the same settings and database pool, but with no middleware at all (no
tenant routing, sessions, CSRF or security headers). Every other path goes to
`smarketing.wsgi.application` unchanged. Only the benchmark's server loads this module: the
product has no such route.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings.dev")

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, JsonResponse
from django.urls import ResolverMatch

from smarketing.wsgi import application as smarketing_application
from tenants.models import Domain

BASELINE_PATH = "/baseline/"


def baseline_view(request: HttpRequest) -> JsonResponse:
    """One row of the public schema through the ORM, as JSON."""
    domain = Domain.objects.values_list("domain", flat=True).order_by("pk").first()
    return JsonResponse({"domain": domain})


class BaselineHandler(WSGIHandler):
    """Django's request cycle (request signals, so connections go back to the pool) with no
    middleware and one view."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = ResolverMatch(baseline_view, (), {}, route=BASELINE_PATH)
        request.resolver_match = match
        return match


baseline_application = BaselineHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == BASELINE_PATH:
        return baseline_application(environ, start_response)
    return smarketing_application(environ, start_response)
