"""KPI target values as a person types them on the settings page. No Django imports.

Rates are typed as percentages ("30 %", "12,5%") and stored as fractions (0.3, 0.125), the way
the API stores them; money, days, hours and counts are plain numbers ("25,000", "1.5").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .compute import Unit

# Spaces people (and spreadsheets) put inside numbers: normal, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_]")
_CURRENCY_SIGNS = "$€£¥"
_THOUSANDS_COMMA = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
# A percentage with more decimals than this would not fit the stored fraction's 6 places.
PERCENT_DECIMALS = 4

UNIT_WORDS = {Unit.RATE: "%", Unit.DAYS: "days", Unit.HOURS: "hours", Unit.COUNT: ""}


def _plain_number(text: str) -> Decimal:
    """`1,234.5`, `1.234,5`, `12,5` or `1234.5` → Decimal; ValueError when it is no number.

    A comma followed by groups of three digits separates thousands (`1,500` is 1500); any other
    single comma is a decimal comma (`12,5`)."""
    if _THOUSANDS_COMMA.match(text):
        text = text.replace(",", "")
    elif _THOUSANDS_DOT.match(text) and ("," in text or text.count(".") > 1):
        # 1.234,5 or 1.234.567; a lone `1.234` stays one point two three four.
        text = text.replace(".", "").replace(",", ".")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma: 12,5
    if not _NUMBER.match(text):
        raise ValueError
    try:
        return Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError from error


def target_parse(text: str, unit: Unit) -> Decimal:
    """The stored target for what was typed: a fraction for a rate, else the number itself.

    Raises ValueError with a message for the person who typed it.
    """
    cleaned = _SPACES.sub("", text or "")
    if not cleaned:
        raise ValueError("Enter a target value.")
    if unit is Unit.RATE:
        cleaned = cleaned.removesuffix("%")
        example = "e.g. 30 %"
    elif "%" in cleaned:
        raise ValueError("Only rates take a percentage; enter a plain number.")
    else:
        example = "e.g. 25000" if unit is Unit.MONEY else "e.g. 12"
    if unit is Unit.MONEY:
        cleaned = cleaned.strip(_CURRENCY_SIGNS)
    try:
        value = _plain_number(cleaned)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number ({example}).") from None
    if unit is Unit.RATE:
        if -value.as_tuple().exponent > PERCENT_DECIMALS:  # type: ignore[operator]
            raise ValueError(f"At most {PERCENT_DECIMALS} decimals in a percentage.")
        return value / 100
    return value


def target_format(value: Decimal, unit: Unit) -> str:
    """The stored target as the page shows it in its input: 0.3 → `30 %`, 25000.00 → `25000`."""
    amount = Decimal(value) * 100 if unit is Unit.RATE else Decimal(value)
    text = format(amount.normalize(), "f")
    return f"{text} %" if unit is Unit.RATE else text
