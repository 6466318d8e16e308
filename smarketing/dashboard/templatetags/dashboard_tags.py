"""Page helpers: KPI labels that explain themselves, and figures of the alignment index."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.templatetags.kpi_format import count, days, hours, kpi_label, money, percent

register = template.Library()


def _next_id(context: template.Context, stem: str) -> str:
    """An id unique within the rendered page (a KPI may be labelled several times)."""
    counter: dict[str, int] = context.render_context.setdefault("term_ids", {})  # type: ignore[arg-type, assignment]
    counter[stem] = counter.get(stem, 0) + 1
    return f"def-{stem}-{counter[stem]}"


@register.simple_tag(takes_context=True)
def term(context: template.Context, label: str, definition: str, stem: str = "term") -> SafeString:
    """A label whose definition shows on hover, keyboard focus and tap (a CSS toggletip) and
    is its accessible description (`aria-describedby` names the tip's own id)."""
    if not definition:
        return format_html("{}", label)
    tip = _next_id(context, stem.replace(".", "-").replace("_", "-"))
    return format_html(
        '<span class="term" tabindex="0" aria-describedby="{}">{}</span>'
        '<span class="tip" role="tooltip" id="{}">{}</span>',
        tip,
        label,
        tip,
        definition,
    )


@register.simple_tag(takes_context=True)
def kpi_term(context: template.Context, key: str) -> SafeString:
    """A KPI's label with its one-sentence definition from the KPI registry."""
    kpi = KPIS_BY_KEY[key.partition(".")[0]]
    return term(context, kpi_label(key), kpi.definition, key)


@register.filter
def signed(value: Any) -> str:
    """`+4.2`, `−1.0`, `±0` for a change of the index."""
    if value is None:
        return "—"
    if value > 0:
        return f"+{value:g}"
    if value < 0:
        return f"−{-value:g}"
    return "±0"


@register.simple_tag
def unit_value(value: Any, unit: str, currency: str = "USD") -> str:
    """A chart's number formatted by the chart's unit (index and score with one decimal)."""
    if value is None:
        return "—"
    if unit in ("index", "score"):
        return f"{float(value):.1f}"
    return {
        "money": money,
        "rate": percent,
        "days": days,
        "hours": hours,
    }.get(unit, count)(value, *((currency,) if unit == "money" else ()))


@register.filter
def index(sequence: Any, position: int) -> Any:
    """`values|index:3`: the item at a position (templates cannot subscript)."""
    try:
        return sequence[position]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def dictitem(mapping: Any, key: str) -> Any:
    """`mapping|dictitem:key` for keys held in variables."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def breakable(name: str) -> SafeString:
    """`paid_search` with a line-break opportunity after each underscore (`<wbr>`), so a
    narrow table column wraps a source name between its words, not in the middle of one."""
    return mark_safe(escape(name).replace("_", "_<wbr>"))  # noqa: S308 - escaped first
