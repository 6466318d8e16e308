"""The anomaly rule, stability and the goal planner on hand-computed series (pure functions)."""

import pytest

from smarketing.kpis.anomalies import coefficient_of_variation, robust_score, series_anomalies
from smarketing.kpis.planner import funnel_plan

# Median of the 8 values: sorted 10,10,11,11,12,12,12,13 → 11.5. Absolute deviations: five of 0.5
# and three of 1.5 → MAD 0.5. z = 0.6745 × (x − 11.5) / 0.5.
BASELINE = [10, 12, 11, 13, 12, 11, 10, 12]


@pytest.mark.parametrize(
    ("value", "z", "flagged", "direction"),
    [
        (20, 11.4665, True, "spike"),  # 0.6745 × 8.5 / 0.5
        (8, -4.7215, True, "dip"),  # 0.6745 × −3.5 / 0.5
        (12, 0.6745, False, "spike"),
        (9.5, -2.698, False, "dip"),
    ],
)
def test_robust_z_score_against_the_eight_preceding_periods(value, z, flagged, direction):
    score = robust_score(value, BASELINE)
    assert score is not None
    assert score.baseline_median == 11.5 and score.mad == 0.5
    assert score.z == pytest.approx(z)
    assert (score.flagged, score.direction) == (flagged, direction)


def test_a_z_score_of_exactly_the_threshold_is_not_flagged():
    # 11.5 + 3.5 × 0.5 / 0.6745 gives z = 3.5 exactly (up to float conversion of the value).
    from fractions import Fraction

    value = Fraction(23, 2) + Fraction(7, 2) * Fraction(1, 2) / Fraction(6745, 10000)
    score = robust_score(value, BASELINE)
    assert score is not None and not score.flagged


def test_only_the_last_eight_periods_count_and_at_least_four_are_needed():
    # Older values beyond 8 are ignored: a huge one far back changes nothing.
    assert robust_score(20, [1000, *BASELINE]) == robust_score(20, BASELINE)
    assert robust_score(20, [10, None, 12, None, 11]) is None  # 3 present
    assert robust_score(20, [10, 12, 11, 13]) is not None  # 4 present
    assert robust_score(20, [12, 12, 12, 12, 12]) is None  # MAD 0: no score
    assert robust_score(None, BASELINE) is None


def test_series_anomalies_lists_the_flagged_points():
    series = [(f"2025-{n:02d}", v) for n, v in enumerate([*BASELINE, 20, 12], start=1)]
    flagged = series_anomalies(series)
    assert [(label, score.direction) for label, score in flagged] == [("2025-09", "spike")]


def test_coefficient_of_variation():
    # Mean 0.3; population deviations ±0.1 → standard deviation 0.1 → CV 1/3.
    assert coefficient_of_variation([0.2, 0.4, 0.2, 0.4, None]) == pytest.approx(1 / 3)
    assert coefficient_of_variation([0.3]) is None
    assert coefficient_of_variation([0, 0, 0]) is None


RATES = {
    "average_deal_size": 10_000,
    "win_rate": 0.25,
    "opportunity_to_customer_rate": 0.5,
    "sql_to_opportunity_rate": 0.4,
    "mql_to_sql_rate": 0.25,
    "lead_to_mql_rate": 0.1,
    "traffic_to_lead_rate": 0.02,
}


def test_planner_works_back_from_revenue():
    plan = funnel_plan(revenue=1_000_000, rates=RATES, months=3)
    # 1,000,000 / 10,000 = 100 won; /0.25 = 400 deals; 100/0.5 = 200 opportunities;
    # /0.4 = 500 SQLs; /0.25 = 2000 MQLs; /0.1 = 20,000 leads; /0.02 = 1,000,000 sessions.
    assert plan["figures"] == {
        "won_deals": 100,
        "deals": 400,
        "opportunities": 200,
        "sqls": 500,
        "mqls": 2000,
        "leads": 20_000,
        "sessions": 1_000_000,
    }
    # Per month over a quarter, rounded up: 33.3→34, 133.3→134, 66.7→67, 166.7→167, …
    assert plan["per_month"] == {
        "won_deals": 34,
        "deals": 134,
        "opportunities": 67,
        "sqls": 167,
        "mqls": 667,
        "leads": 6667,
        "sessions": 333_334,
    }
    assert plan["messages"] == []


def test_planner_says_which_rate_is_missing_or_zero():
    plan = funnel_plan(
        revenue=1000, rates={**RATES, "win_rate": None, "mql_to_sql_rate": 0}, months=1
    )
    assert plan["figures"]["deals"] is None
    assert plan["figures"]["opportunities"] == 1  # 1000 / 10,000 / 0.5 = 0.2 → 1
    assert plan["figures"]["mqls"] is None and plan["figures"]["leads"] is None
    assert plan["messages"] == [
        "win_rate is missing (no data in the trailing 12 months): cannot work out deals nor the"
        " figures derived from it",
        "mql_to_sql_rate is 0: cannot work out mqls nor the figures derived from it",
    ]
