"""The KPI engine's pure arithmetic, table-driven (no database): exact ratios, products,
durations, half-up output rounding and pipeline velocity. Values worked out by hand."""

from decimal import Decimal
from fractions import Fraction as F

import pytest

from smarketing.kpis.compute import (
    Unit,
    days,
    exact,
    hours,
    output_value,
    pipeline_velocity,
    product,
    ratio,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (3, F(3)), (Decimal("1.25"), F(5, 4)), (0.5, F(1, 2)), (F(1, 3), F(1, 3)),
     ("2.5", F(5, 2))],
)  # fmt: skip
def test_exact(value, expected):
    assert exact(value) == expected


@pytest.mark.parametrize(
    ("top", "bottom", "expected"),
    [(1, 3, F(1, 3)), (0, 5, F(0)), (5, 0, None), (None, 5, None), (5, None, None),
     (Decimal("7.5"), 3, F(5, 2)), (-2, 4, F(-1, 2))],
)  # fmt: skip
def test_ratio_is_null_for_a_zero_or_missing_denominator_never_zero(top, bottom, expected):
    assert ratio(top, bottom) == expected


def test_durations_are_elapsed_seconds_over_a_day_or_an_hour():
    assert days(86_400 * 2 + 43_200) == F(5, 2)
    assert hours(5_400) == F(3, 2)
    assert days(None) is None and hours(0) == 0


@pytest.mark.parametrize(
    ("factors", "expected"),
    [((2, F(1, 2), 3), F(3)), ((), F(1)), ((4, None), None), ((0, 7), F(0))],
)
def test_product_is_null_when_a_factor_is_missing(factors, expected):
    assert product(*factors) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(F(5, 1000), 2, Decimal("0.01")), (F(4999, 1000000), 2, Decimal("0.00")),
     (F(-5, 1000), 2, Decimal("-0.01")), (F(2, 3), 6, Decimal("0.666667")),
     (F(1, 8), 2, Decimal("0.13")), (F(-1, 8), 2, Decimal("-0.13")), (F(7), 2, Decimal("7"))],
)  # fmt: skip
def test_round_half_up_rounds_halves_away_from_zero(value, places, expected):
    assert round_half_up(value, places) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(None, Unit.MONEY, None), (F(7, 2), Unit.COUNT, 3), (F(1, 3), Unit.RATE, 0.333333),
     (F(2375, 1000), Unit.DAYS, 2.38), (F(1, 200), Unit.MONEY, 0.01), (F(5, 3), Unit.HOURS, 1.67),
     ({"lead_to_mql": F(1, 2), "mql_to_sql": None}, Unit.DAYS_BY_STAGE,
      {"lead_to_mql": 0.5, "mql_to_sql": None})],
)  # fmt: skip
def test_output_value_rounds_only_at_output_by_unit(value, unit, expected):
    result = output_value(value, unit)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("open_deals", "win_rate", "size", "cycle", "expected"),
    [(7, F(2, 3), F(602, 6), F(19, 8), F(5 * 602 * 7 * 2 * 8, 6 * 3 * 19 * 5)),
     (2, 1, 300, 20, F(30)), (1, 1, 750, 0, None), (None, 1, 750, 10, None),
     (3, None, 750, 10, None), (3, 1, None, 10, None), (3, 1, 750, None, None)],
)  # fmt: skip
def test_pipeline_velocity(open_deals, win_rate, size, cycle, expected):
    assert pipeline_velocity(open_deals, win_rate, size, cycle) == expected
