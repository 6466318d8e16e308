"""KPI values for people: the one place pages format numbers (the API and CLI keep SPEC numbers).

`{% load kpi_format %}` then `{% kpi_value value key currency %}`, `{% kpi_change current previous
key %}`, or the unit filters `money:currency`, `percent`, `days`, `hours`, `count`, and
`kpi_label` for a key (`stage_days_median.mql_to_sql` included).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from smarketing.kpis.compute import Unit
from smarketing.kpis.definitions import KPIS_BY_KEY, LOWER_IS_BETTER, NO_VERDICT

register = template.Library()

MISSING = "—"
MINUS = "−"  # a real minus sign, the width of a plus
# Symbols written before the amount; other currencies get their ISO code after it.
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def _decimal(value: Any, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _signed(amount: Decimal, text: str) -> str:
    return f"{MINUS}{text}" if amount < 0 else text


@register.filter
def money(value: Any, currency: str = "USD") -> str:
    """`$22,285.20`, `€1,000.00`, `1,000.00 CHF`; `—` for a missing value."""
    if value is None or value == "":
        return MISSING
    amount = _decimal(value, 2)
    code = (currency or "USD").upper()
    digits = f"{abs(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return _signed(amount, f"{symbol}{digits}" if symbol else f"{digits} {code}")


@register.filter
def percent(value: Any) -> str:
    """A fraction as a percentage with one decimal: 0.43 → `43.0%`."""
    if value is None or value == "":
        return MISSING
    amount = _decimal(Decimal(str(value)) * 100, 1)
    return _signed(amount, f"{abs(amount):,.1f}%")


def _duration(value: Any, unit: str) -> str:
    if value is None or value == "":
        return MISSING
    amount = _decimal(value, 1)
    return _signed(amount, f"{abs(amount):,.1f} {unit}")


@register.filter
def days(value: Any) -> str:
    """`90.6 days`."""
    return _duration(value, "days")


@register.filter
def hours(value: Any) -> str:
    """`14.3 h`."""
    return _duration(value, "h")


@register.filter
def count(value: Any) -> str:
    """A number of things with thousands separators: `1,234`; a fraction (a median of counts,
    say) keeps one decimal: `10.5`."""
    if value is None or value == "":
        return MISSING
    places = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral_value() else 1
    amount = _decimal(value, places)
    return _signed(amount, f"{abs(amount):,.{places}f}")


def kpi_unit(key: str) -> Unit:
    """The unit of a KPI key; a part of an object (`stage_days_median.mql_to_sql`) is in days."""
    unit = KPIS_BY_KEY[key.partition(".")[0]].unit
    return Unit.DAYS if unit is Unit.DAYS_BY_STAGE else unit


def format_kpi(value: Any, key: str, currency: str = "USD") -> str:
    """A KPI value as a person reads it, by the KPI's unit."""
    unit = kpi_unit(key)
    if unit is Unit.MONEY:
        return money(value, currency)
    if unit is Unit.RATE:
        return percent(value)
    if unit is Unit.DAYS:
        return days(value)
    if unit is Unit.HOURS:
        return hours(value)
    return count(value)


# SPEC "No data is not zero": what a missing value says instead of a number, by KPI family.
_MISSING_BECAUSE = (
    (("spend", "cost_per_lead", "cost_per_mql", "customer_acquisition_cost"), "no spend data"),
    (("sessions", "traffic_to_lead_rate", "traffic_to_mql_rate", "end_to_end_rate"),
     "no traffic data"),
    (("customers_with_content_rate",), "no content data"),
)  # fmt: skip
MISSING_TEXT = {key: text for keys, text in _MISSING_BECAUSE for key in keys}


# A cost KPI whose spend is known is missing for want of its denominator.
MISSING_DENOMINATOR = {
    "cost_per_lead": "no leads",
    "cost_per_mql": "no MQLs",
    "customer_acquisition_cost": "no new customers",
}


def missing_text(key: str, spend: Any = None) -> str:
    """Why a KPI has no value, in a few words: `no spend data`, `no traffic data`, else
    `no data` (a rate or mean with nothing to divide by). Given the scope's `spend`, a cost
    KPI with spend says what it had nothing to divide by (`no new customers`)."""
    name = key.partition(".")[0]
    if spend is not None and name in MISSING_DENOMINATOR:
        return MISSING_DENOMINATOR[name]
    return MISSING_TEXT.get(name, "no data")


@register.simple_tag
def kpi_value(value: Any, key: str, currency: str = "USD", spend: Any = None) -> str:
    """The formatted value, or why there is none (`no spend data`), never a made-up 0; pass
    the same scope's `spend` so that a cost KPI with spend says `no new customers` instead."""
    if value is None:
        return format_html('<span class="no-data">{}</span>', missing_text(key, spend))
    return format_kpi(value, key, currency)


@register.filter
def kpi_label(key: str) -> str:
    """`Days per stage (median) · MQL → SQL` for `stage_days_median.mql_to_sql`."""
    name, _, part = key.partition(".")
    label = KPIS_BY_KEY[name].label
    if not part:
        return label
    stages = {"mql": "MQL", "sql": "SQL"}
    words = [stages.get(word, word) for word in part.split("_to_")]
    return f"{label} · {' → '.join(words)}"


@register.simple_tag
def kpi_difference(value: Any, key: str, currency: str = "USD") -> str:
    """A signed difference in the KPI's unit; rates in percentage points (`+1.4 pp`)."""
    if value is None:
        return MISSING
    if kpi_unit(key) is Unit.RATE:
        amount = _decimal(Decimal(str(value)) * 100, 1)
        text = f"{abs(amount):.1f} pp"
    else:
        amount = Decimal(str(value))
        text = format_kpi(abs(amount), key, currency)
    return f"{'+' if amount > 0 else MINUS if amount < 0 else '±'}{text}"


def kpi_change_parts(current: Any, previous: Any, key: str) -> tuple[str, str] | None:
    """(text, tone) of the change from `previous` to `current`, or None when either is missing.

    Rates change in percentage points (`+2.1 pp`), everything else relatively (`+12.3%`; no
    relative change from 0). Tone is `better`, `worse` or `flat`, by the KPI's direction.
    """
    if current is None or previous is None:
        return None
    now, before = Decimal(str(current)), Decimal(str(previous))
    if kpi_unit(key) is Unit.RATE:
        change = _decimal((now - before) * 100, 1)
        text = f"{abs(change):.1f} pp"
    else:
        if before == 0:
            return None
        change = _decimal((now - before) / abs(before) * 100, 1)
        text = f"{abs(change):,.1f}%"
    if change == 0:
        return (f"±{text}", "flat")
    rising = change > 0
    if key.partition(".")[0] in NO_VERDICT:
        return (f"{'+' if rising else MINUS}{text}", "moved")
    better = rising != (key.partition(".")[0] in LOWER_IS_BETTER)
    return (f"{'+' if rising else MINUS}{text}", "better" if better else "worse")


@register.simple_tag
def kpi_change(current: Any, previous: Any, key: str, label: str = "") -> SafeString:
    """`▲ +12.3% vs 2026-09`, coloured by whether the change is good news; empty if undefined."""
    parts = kpi_change_parts(current, previous, key)
    if parts is None and previous == 0 and current is not None:
        return format_html('<span class="change">up from 0 in {}</span>', label or "before")
    if parts is None:
        suffix = f" with {label}" if label else ""
        return format_html('<span class="change">no comparison{}</span>', suffix)
    text, tone = parts
    # The arrow says which way the figure moved; the word and the colour whether that is good
    # news (never the colour alone: WCAG 1.4.1).
    arrow = "▲" if text.startswith("+") else "▼" if text.startswith(MINUS) else "•"
    suffix = f" vs {label}" if label else ""
    verdict = {"better": "better", "worse": "worse"}.get(tone, "")
    return format_html(
        '<span class="change change-{}">{} {}{}{}</span>',
        tone,
        arrow,
        text,
        suffix,
        format_html(' <span class="verdict">{}</span>', verdict) if verdict else "",
    )
