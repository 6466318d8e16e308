"""Who breached, lead by lead: the MQLs overdue now or breached in a period for the response
and disposition SLAs, by owner and source, and their CSV."""

import re
from datetime import timedelta

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_time_zone
from smarketing.core.csv_export import csv_lines
from smarketing.core.periods import PeriodError
from smarketing.funnel.apis import csv_response
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.slas.breaches import (
    BREACH_KIND_OF_KPI,
    BREACH_KINDS,
    mql_breach_list,
    mql_breach_rows,
)

# The KPIs whose SLAs have a breach list, and the list's kind.
BREACH_KPIS = BREACH_KIND_OF_KPI
ROWS_SHOWN = 200
# "Overdue now" looks back this far by default; `since=all` lists every overdue MQL.
OVERDUE_LOOKBACK_DAYS = 90


def _scope(request) -> dict:
    """The list asked for by the query string: kind, period (or overdue now), since, filters;
    `error` when the period does not parse."""
    params = request.GET
    kind = params.get("kind") if params.get("kind") in BREACH_KINDS else "response"
    scope: dict = {
        "kind": kind,
        "period": None,
        "since": None,
        "owner": params.get("owner") or None,
        "source": params.get("source") or None,
        "period_text": (params.get("period") or "").strip(),
        "since_text": params.get("since") or "",
        "error": "",
    }
    now = timezone.now()
    if scope["period_text"]:
        try:
            period = kpi_period_parse(scope["period_text"])
        except PeriodError as error:
            scope["error"] = str(error)
        else:
            scope["period"] = period
    elif scope["since_text"] != "all":
        scope["since"] = now - timedelta(days=OVERDUE_LOOKBACK_DAYS)
    return scope


def _query(scope: dict) -> dict:
    return {name: scope[name] for name in ("kind", "period", "since", "owner", "source")}


class BreachListView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponse:
        scope = _scope(request)
        context: dict = {"scope": scope, "kinds": BREACH_KINDS.values(), "rows_shown": ROWS_SHOWN}
        if not scope["error"]:
            context["breaches"] = mql_breach_list(
                **_query(scope), now=timezone.now(), limit=ROWS_SHOWN
            )
        context["csv_query"] = request.GET.urlencode()
        context["lookback_days"] = OVERDUE_LOOKBACK_DAYS
        with timezone.override(workspace_time_zone()):
            return render(request, "dashboard/breaches.html", context)


class BreachCsvView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponseBase:
        scope = _scope(request)
        if scope["error"]:
            return HttpResponse(scope["error"], status=400, content_type="text/plain")
        rows = mql_breach_rows(**_query(scope), now=timezone.now())
        label = scope["period"].label if scope["period"] else "overdue-now"
        label = re.sub(r"[^0-9A-Za-z-]+", "-", label).strip("-")
        return csv_response(csv_lines(rows), f"mql-{scope['kind']}-breaches-{label}.csv")
