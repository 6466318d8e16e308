"""SLA evaluation and forecasts as pure functions: tables worked out by hand (no database)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from smarketing.core.periods import Grain, period_containing
from smarketing.slas.evaluation import (
    Evaluation,
    SlaTerms,
    Status,
    Streak,
    alert_due,
    compliance,
    longest_met_streak,
    sla_evaluate,
    streak,
)

PARIS = ZoneInfo("Europe/Paris")
# A week, a month and a quarter of 2025 in Paris (boundaries at local midnight).
PERIODS = {
    "week": period_containing(Grain.WEEK, datetime(2025, 3, 12).date(), PARIS),  # 2025-W11
    "month": period_containing(Grain.MONTH, datetime(2025, 3, 12).date(), PARIS),
    "quarter": period_containing(Grain.QUARTER, datetime(2025, 3, 12).date(), PARIS),
}


def closed(kind: str, terms: SlaTerms, value) -> Evaluation:
    period = PERIODS[kind]
    return sla_evaluate(
        terms, {terms.kpi: value}, start=period.start, end=period.end, now=period.end
    )


@pytest.mark.parametrize("kind", ["week", "month", "quarter"])
@pytest.mark.parametrize(
    ("kpi", "comparator", "target", "value", "status"),
    [
        # at least: above, exactly at, below the target; no value
        ("mqls", ">=", "200", 201, Status.MET),
        ("mqls", ">=", "200", 200, Status.MET),
        ("mqls", ">=", "200", 199, Status.MISSED),
        ("mqls", ">=", "200", None, Status.NO_DATA),
        ("mqls", ">=", "0", 0, Status.MET),
        # at most
        ("mql_rejection_rate", "<=", "0.15", 0.149999, Status.MET),
        ("mql_rejection_rate", "<=", "0.15", 0.15, Status.MET),
        ("mql_rejection_rate", "<=", "0.15", 0.150001, Status.MISSED),
        ("mql_rejection_rate", "<=", "0.15", None, Status.NO_DATA),
        # a rate equal to its target once rounded to 6 decimals (as SPEC outputs it) meets it
        ("mql_to_sql_rate", ">=", "0.333333", Fraction(1, 3), Status.MET),
        ("mql_to_sql_rate", ">=", "0.333334", Fraction(1, 3), Status.MISSED),
        # money rounded half-up to cents: 999.995 → 1000.00
        ("revenue", ">=", "1000", Fraction(999995, 1000), Status.MET),
        ("revenue", "<=", "1000", 1000.0, Status.MET),
        ("customer_acquisition_cost", "<=", "500", 500.01, Status.MISSED),
    ],
)
def test_a_closed_period_is_met_missed_or_without_data(
    kind, kpi, comparator, target, value, status
):
    result = closed(kind, SlaTerms(kpi, comparator, Decimal(target)), value)
    assert result.status is status
    assert result.final is True
    assert result.value_so_far is None and result.elapsed_share is None


def test_a_closed_count_keeps_its_integer_value_and_money_its_cents():
    assert closed("month", SlaTerms("mqls", ">=", Decimal(1)), 17).value == 17
    money = closed("month", SlaTerms("revenue", ">=", Decimal(1)), Fraction(1, 3)).value
    assert money == Decimal("0.33")


def test_a_missing_kpi_or_no_values_at_all_is_no_data():
    period = PERIODS["month"]
    terms = SlaTerms("mqls", ">=", Decimal(1))
    for values in (None, {}, {"leads": 3}):
        result = sla_evaluate(terms, values, start=period.start, end=period.end, now=period.end)
        assert result.status is Status.NO_DATA and result.value is None


# April 2025 in UTC: 30 days of 24 h, so a day is 1/30 of the month.
APRIL = period_containing(Grain.MONTH, datetime(2025, 4, 1).date(), UTC)


def day(n: float) -> datetime:
    return APRIL.start + timedelta(days=n)


@pytest.mark.parametrize(
    ("kpi", "comparator", "target", "now", "so_far", "projected", "share", "status"),
    [
        # A count: projected as value so far ÷ elapsed share.
        ("mqls", ">=", "100", day(7.5), 30, Decimal("120.00"), Decimal("0.25"), Status.ON_TRACK),
        ("mqls", ">=", "100", day(15), 45, Decimal("90.00"), Decimal("0.5"), Status.AT_RISK),
        # exactly at the target: on track
        ("mqls", ">=", "100", day(22.5), 75, Decimal("100.00"), Decimal("0.75"), Status.ON_TRACK),
        # 10 MQLs after 9 days of 30: 10 / 0.3 = 33.333… → 33.33
        ("mqls", ">=", "34", day(9), 10, Decimal("33.33"), Decimal("0.3"), Status.AT_RISK),
        ("mqls", ">=", "100", day(1), 0, Decimal("0.00"), Decimal("0.033333"), Status.AT_RISK),
        # at most: lost deals heading over the limit
        (
            "lost_deals",
            "<=",
            "10",
            day(20),
            8,
            Decimal("12.00"),
            Decimal("0.666667"),
            Status.AT_RISK,
        ),
        # Money: revenue 12,500.50 after 10 days → 37,501.50 for the month
        (
            "revenue",
            ">=",
            "37500",
            day(10),
            12500.5,
            Decimal("37501.50"),
            Decimal("0.333333"),
            Status.ON_TRACK,
        ),
        (
            "revenue",
            ">=",
            "40000",
            day(27),
            35000.0,
            Decimal("38888.89"),
            Decimal("0.9"),
            Status.AT_RISK,
        ),
        # A rate: taken as it stands, whatever the elapsed share.
        (
            "mql_to_sql_rate",
            ">=",
            "0.3",
            day(3),
            0.25,
            Decimal("0.25"),
            Decimal("0.1"),
            Status.AT_RISK,
        ),
        (
            "mql_to_sql_rate",
            ">=",
            "0.3",
            day(27),
            0.3,
            Decimal("0.3"),
            Decimal("0.9"),
            Status.ON_TRACK,
        ),
        # A money ratio is not projected either.
        (
            "cost_per_lead",
            "<=",
            "120",
            day(6),
            110.0,
            Decimal("110"),
            Decimal("0.2"),
            Status.ON_TRACK,
        ),
        # No value so far: no data
        ("mql_to_sql_rate", ">=", "0.3", day(12), None, None, Decimal("0.4"), Status.NO_DATA),
    ],
)
def test_forecast_of_the_period_in_progress(
    kpi, comparator, target, now, so_far, projected, share, status
):
    result = sla_evaluate(
        SlaTerms(kpi, comparator, Decimal(target)),
        {kpi: so_far},
        start=APRIL.start,
        end=APRIL.end,
        now=now,
    )
    assert result == Evaluation(
        status=status,
        final=False,
        value=projected,
        value_so_far=None if so_far is None else result.value_so_far,
        elapsed_share=share,
    )
    if so_far is not None:
        assert result.value_so_far == (so_far if isinstance(so_far, int) else Decimal(str(so_far)))


def test_forecast_at_the_very_start_of_a_period_has_no_data_for_a_count():
    result = sla_evaluate(
        SlaTerms("mqls", ">=", Decimal(1)), {"mqls": 0}, start=APRIL.start, end=APRIL.end,
        now=APRIL.start,
    )  # fmt: skip
    assert (result.status, result.value, result.elapsed_share) == (Status.NO_DATA, None, 0)


def test_forecast_in_a_week_and_a_quarter():
    week, quarter = PERIODS["week"], PERIODS["quarter"]
    # Two of seven days of 2025-W11 (Paris), 20 leads → 70.
    result = sla_evaluate(
        SlaTerms("leads", ">=", Decimal(70)), {"leads": 20}, start=week.start, end=week.end,
        now=week.start + timedelta(days=2),
    )  # fmt: skip
    assert (result.status, result.value) == (Status.ON_TRACK, Decimal("70.00"))
    # Q1 2025 in Paris has 90 days minus the hour lost to summer time; after 45 days:
    # share = 45 × 24 / (90 × 24 − 1) = 1080 / 2159 → 600 SQLs so far project to 1199.44.
    result = sla_evaluate(
        SlaTerms("sqls", ">=", Decimal(1200)), {"sqls": 600}, start=quarter.start,
        end=quarter.end, now=quarter.start + timedelta(days=45),
    )  # fmt: skip
    assert result.elapsed_share == Decimal("0.500232")
    assert (result.status, result.value) == (Status.AT_RISK, Decimal("1199.44"))


def test_a_period_that_has_not_started_cannot_be_evaluated():
    with pytest.raises(ValueError, match="not started"):
        sla_evaluate(
            SlaTerms("mqls", ">=", Decimal(1)), {}, start=APRIL.start, end=APRIL.end,
            now=APRIL.start - timedelta(seconds=1),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], None),
        (["no_data", "no_data"], None),
        (["met", "met", "missed", "met"], Fraction(3, 4)),
        (["met", "no_data", "missed"], Fraction(1, 2)),
        (["missed"], Fraction(0)),
    ],
)
def test_compliance_is_met_over_met_and_missed(statuses, expected):
    assert compliance(statuses) == expected


@pytest.mark.parametrize(
    ("statuses", "current", "longest"),
    [
        ([], None, 0),
        (["met"], Streak("met", 1), 1),
        (["met", "met", "missed", "met", "met", "met"], Streak("met", 3), 3),
        (["met", "met", "met", "missed", "missed"], Streak("missed", 2), 3),
        (["met", "no_data"], Streak("no_data", 1), 1),
    ],
)
def test_streaks_end_with_the_latest_closed_period(statuses, current, longest):
    assert streak(statuses) == current
    assert longest_met_streak(statuses) == longest


MARCH, FEBRUARY = PERIODS["month"], PERIODS["month"].previous()
MISSED = Evaluation(Status.MISSED, True, 1)


@pytest.mark.parametrize(
    ("evaluation", "period", "created", "expected"),
    [
        # The month that closed last, missed, by an SLA older than its end: alert.
        (MISSED, MARCH, datetime(2024, 1, 1, tzinfo=UTC), "missed"),
        # An earlier month filled in afterwards: no alert.
        (MISSED, FEBRUARY, datetime(2024, 1, 1, tzinfo=UTC), None),
        # The SLA was created after the month ended: history, no alert.
        (MISSED, MARCH, datetime(2025, 4, 2, tzinfo=UTC), None),
        (Evaluation(Status.MET, True, 1), MARCH, datetime(2024, 1, 1, tzinfo=UTC), None),
        (Evaluation(Status.AT_RISK, False, 1), MARCH, datetime(2025, 4, 2, tzinfo=UTC), "at_risk"),
        (Evaluation(Status.ON_TRACK, False, 1), MARCH, datetime(2024, 1, 1, tzinfo=UTC), None),
        (Evaluation(Status.NO_DATA, False, None), MARCH, datetime(2024, 1, 1, tzinfo=UTC), None),
    ],
)
def test_alerts_for_the_period_that_just_closed_missed_and_forecasts_at_risk(
    evaluation, period, created, expected
):
    assert (
        alert_due(
            evaluation,
            period_start=period.start,
            period_end=period.end,
            latest_closed_start=MARCH.start,
            sla_created_at=created,
        )
        == expected
    )
