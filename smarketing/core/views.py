"""Error answers: JSON under /api/, the friendly pages elsewhere.

`server_error` is the one place an unexpected exception becomes an answer (Django calls it for
every exception nothing else handled, pages and API alike), so it decides the class of answers
that must never be a 500:

- the database refused a value that came from the request (`DataError`: out of range, too long)
  → 400, nothing was stored;
- the database did not answer (connection killed or lost, statement timeout: `OperationalError`)
  → 503 with Retry-After; the broken connection is discarded at the end of the request, so the
  next request gets a fresh one.
"""

import logging
import sys

from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _answer(request: HttpRequest, status: int, detail: str, template: str) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": detail}, status=status)
    else:
        response = render(request, template, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, DataError):
        return _answer(request, 400, "A value is out of the accepted range.", "400.html")
    if isinstance(error, OperationalError):
        return _answer(request, 503, "The database did not answer in time; try again.", "503.html")
    if _is_api(request):
        return JsonResponse({"detail": "Server error; it was logged."}, status=500)
    return defaults.server_error(request)
