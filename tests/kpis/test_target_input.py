"""KPI target values as typed on the settings page → stored values, and back (no database)."""

import re
from decimal import Decimal

import pytest

from smarketing.kpis.compute import Unit
from smarketing.kpis.target_input import target_format, target_parse


@pytest.mark.parametrize(
    ("typed", "unit", "stored"),
    [
        ("30 %", Unit.RATE, Decimal("0.3")),
        ("30%", Unit.RATE, Decimal("0.3")),
        ("30", Unit.RATE, Decimal("0.3")),
        ("12,5 %", Unit.RATE, Decimal("0.125")),
        ("0.5 %", Unit.RATE, Decimal("0.005")),
        ("33.3333 %", Unit.RATE, Decimal("0.333333")),
        ("25000", Unit.MONEY, Decimal("25000")),
        ("25,000", Unit.MONEY, Decimal("25000")),
        ("$1,250.50", Unit.MONEY, Decimal("1250.50")),
        ("1.250,50 €", Unit.MONEY, Decimal("1250.50")),
        ("1 250", Unit.MONEY, Decimal("1250")),
        ("1.234", Unit.MONEY, Decimal("1.234")),  # a lone dot is a decimal point
        ("45,5", Unit.DAYS, Decimal("45.5")),
        ("4", Unit.HOURS, Decimal("4")),
        ("1,500", Unit.COUNT, Decimal("1500")),
    ],
)
def test_typed_target_is_stored_as_the_api_stores_it(typed, unit, stored):
    assert target_parse(typed, unit) == stored


@pytest.mark.parametrize(
    ("typed", "unit", "message"),
    [
        ("", Unit.RATE, "Enter a target value."),
        ("thirty", Unit.RATE, "'thirty' is not a number (e.g. 30 %)."),
        ("1,2,3", Unit.COUNT, "'1,2,3' is not a number (e.g. 12)."),
        ("20 %", Unit.MONEY, "Only rates take a percentage; enter a plain number."),
        ("33.33333 %", Unit.RATE, "At most 4 decimals in a percentage."),
        ("1e3", Unit.MONEY, "'1e3' is not a number (e.g. 25000)."),
    ],
)
def test_untypable_target_says_why(typed, unit, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        target_parse(typed, unit)


@pytest.mark.parametrize(
    ("stored", "unit", "shown"),
    [
        (Decimal("0.300000"), Unit.RATE, "30 %"),
        (Decimal("0.125000"), Unit.RATE, "12.5 %"),
        (Decimal("50000.000000"), Unit.MONEY, "50000"),
        (Decimal("45.500000"), Unit.DAYS, "45.5"),
        (Decimal("100"), Unit.COUNT, "100"),
    ],
)
def test_stored_target_is_shown_as_typed(stored, unit, shown):
    assert target_format(stored, unit) == shown
    assert target_parse(shown, unit) == stored
