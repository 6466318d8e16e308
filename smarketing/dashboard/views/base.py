"""What every analytics page shares: the period picker and source filter, the figures of the
chosen period read from snapshots, charts with their tables and CSV downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.csv_export import csv_lines
from smarketing.core.periods import Grain, Period, period_containing
from smarketing.funnel.selectors import deals_without_exchange_rate
from smarketing.kpis.selectors.reports import kpi_figures_read
from smarketing.kpis.selectors.snapshots import kpi_snapshot_series, kpi_value
from smarketing.kpis.templatetags.kpi_format import kpi_label
from smarketing.slas.selectors import sla_targets_by_kpi

from ..charts import Chart
from ..content_cache import (
    content_cache_enabled,
    content_key,
    content_set,
    kept_get,
    page_get,
    page_key,
    page_set,
)
from ..filters import GRAIN_CHOICES, PageFilter, page_filter_parse, period_param
from ..maturity import maturity_changes_after, transition_medians

# Query keys the period picker's form sends that the page's own URL does not keep.
PICKER_ONLY_KEYS = ("grain", "from", "to")
# How many periods of the chosen grain charts and sparklines show, ending with the chosen one.
SERIES_LENGTH = {Grain.WEEK: 12, Grain.MONTH: 12, Grain.QUARTER: 8, Grain.YEAR: 4}
SLA_PERIOD_KINDS = (Grain.WEEK, Grain.MONTH, Grain.QUARTER)
# The quarters whose stage medians tell the workspace's usual transition times ("maturing").
MATURITY_QUARTERS = 4


def scoped(figures: dict[str, Any] | None, source: str | None) -> dict[str, Any] | None:
    """The KPIs of the whole workspace, or of one source (None when it has none then)."""
    if figures is None:
        return None
    if source is None:
        return figures["kpis"]
    return figures["by_source"].get(source)


def series_periods(period: Period) -> tuple[Grain, Period, Period]:
    """(grain, first, last) of the series charts show for `period`: the periods of its grain
    ending with it; a custom range is charted by month up to its end."""
    if period.grain is Grain.CUSTOM:
        last = period_containing(Grain.MONTH, period.end_day, period.time_zone).previous()
        return Grain.MONTH, last.shifted(-(SERIES_LENGTH[Grain.MONTH] - 1)), last
    length = SERIES_LENGTH[period.grain]
    return period.grain, period.shifted(-(length - 1)), period


class DashboardPage(RoleRequiredMixin, TemplateView):
    """A page of figures for the period and source in the URL; subclasses fill `build`."""

    minimum_role = Role.VIEWER
    # The page's key in the navigation and in chart CSV URLs.
    page: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        # The picker's form sends `grain` (and `from` / `to`): answer with the page's own URL,
        # `?period=…&source=…`, so what the address bar keeps is the period shown.
        if any(key in request.GET for key in PICKER_ONLY_KEYS):
            page_filter = page_filter_parse(request.GET)
            if not page_filter.errors:
                kept = [
                    (key, value)
                    for key, values in request.GET.lists()
                    if key not in (*PICKER_ONLY_KEYS, "period", "source")
                    for value in values
                ]
                query = urlencode([*page_filter.params().items(), *kept])
                return redirect(f"{request.path}?{query}" if query else request.path)
        key = None
        if self.content_template and content_cache_enabled():
            key = page_key(request, self.page)
            if key is not None and (kept_page := page_get(request, key)) is not None:
                return HttpResponse(kept_page)
        response: Any = super().get(request, *args, **kwargs)  # a TemplateResponse, not rendered
        if key is not None:
            response.add_post_render_callback(
                lambda rendered: page_set(
                    request, key, rendered.content.decode(), valid_until=self.valid_until
                )
            )
        return response

    # A page whose main block is rendered from this template on its own (into `content`) is
    # kept in the cache and rebuilt only when what it shows may change (content_cache.py).
    content_template: ClassVar[str] = ""
    # When what the content shows changes with the clock alone (None: not within the day).
    valid_until: datetime | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.content_template:
            context["content"] = self.content(context)
            return context
        return self.figures_context(context)

    def figures_context(self, context: dict[str, Any]) -> dict[str, Any]:
        """Everything the page computes: filter, figures, charts."""
        context.update(self.common(page_filter_parse(self.request.GET)))
        context.update(self.build(context["filter"], context))
        context["charts_json"] = {chart.slug: chart.config() for chart in context["charts"]}
        return context

    def content(self, context: dict[str, Any]) -> SafeString:
        key = content_key(self.request, self.page) if content_cache_enabled() else None
        if key is not None and (kept := kept_get(self.request, key)) is not None:
            self.valid_until, html = kept
            return mark_safe(html)  # noqa: S308 (our own rendered template)
        context = self.figures_context(context)
        html = render_to_string(self.content_template, context, request=self.request)
        self.valid_until = maturity_changes_after(
            period_end=context["filter"].period.end, now=context["now"], medians=context["medians"]
        )
        if key is not None:
            content_set(self.request, key, html, valid_until=self.valid_until)
        return mark_safe(html)  # noqa: S308

    def common(self, page_filter: PageFilter) -> dict[str, Any]:
        period = page_filter.period
        figures = kpi_figures_read(period)
        previous = kpi_figures_read(period.previous())
        grain, first, last = series_periods(period)
        series = kpi_snapshot_series(grain=grain, first=first, last=last, stale_ok=True)
        quarter_end = page_filter.default.current
        recent_quarters = kpi_snapshot_series(
            grain=Grain.QUARTER,
            first=_quarter_of(quarter_end).shifted(-MATURITY_QUARTERS),
            last=_quarter_of(quarter_end).previous(),
            stale_ok=True,
        )
        sources = sorted((figures or {}).get("by_source", {}))
        return {
            "page": self.page,
            "page_title": self.title,
            "filter": page_filter,
            "grain_choices": GRAIN_CHOICES,
            "period_param": period_param(period),
            "currency": workspace_settings_get().currency,
            # SPEC 3.1: currencies whose deals lack a rate, with their number of deals.
            "unconverted_deals": deals_without_exchange_rate(),
            "figures": figures,
            "values": scoped(figures, page_filter.source),
            "previous_values": scoped(previous, page_filter.source),
            "sources": sources,
            "unknown_source": page_filter.source is not None
            and figures is not None
            and page_filter.source not in sources,
            "series": [
                (p, scoped(s and {"kpis": s.kpis, "by_source": s.by_source}, page_filter.source))
                for p, s in series
            ],
            # KPI targets are SLAs of the whole workspace with the period's kind.
            "targets": {}
            if page_filter.source or period.grain not in SLA_PERIOD_KINDS
            else sla_targets_by_kpi(period=str(period.grain)),
            "medians": transition_medians([s.kpis if s else None for _, s in recent_quarters]),
            "now": timezone.now(),
            "charts": [],
        }


def _quarter_of(month: Period) -> Period:
    return period_containing(Grain.QUARTER, month.first_day, month.time_zone)


def series_values(series: list[tuple[Period, dict | None]], key: str) -> list[Any]:
    return [kpi_value(values, key) for _, values in series]


def kpi_names(keys: list[str] | tuple[str, ...]) -> dict[str, str]:
    return {key: kpi_label(key) for key in keys}


# --- CSV of a chart ----------------------------------------------------------------------------

PAGES: dict[str, type[DashboardPage]] = {}


def register_page(view: type[DashboardPage]) -> type[DashboardPage]:
    """Make a page's charts downloadable as CSV at charts/<page>/<chart>.csv."""
    PAGES[view.page] = view
    return view


class ChartCsvView(RoleRequiredMixin, View):
    """One chart's numbers as CSV, for the same period and source as its page."""

    minimum_role = Role.VIEWER

    def get(self, request, page: str, chart: str) -> HttpResponseBase:
        view_class = PAGES.get(page)
        if view_class is None:
            raise Http404
        view = view_class()
        view.setup(request)
        context = view.figures_context({"view": view})
        found: Chart | None = next((c for c in context["charts"] if c.slug == chart), None)
        if found is None:
            raise Http404
        header, rows = found.table()
        lines = csv_lines([header, *rows])
        name = f"{page}-{chart}-{context['period_param']}".replace("..", "_to_")
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
