"""What an SLA may say: every refusal names the SLA (pure, no database)."""

import pytest

from smarketing.slas.rules import sla_normalised, sla_problems, slas_problems, target_met

VALID = {
    "name": "MQLs delivered",
    "kpi": "mqls",
    "source": None,
    "comparator": ">=",
    "target": 200,
    "period": "month",
    "team": "marketing",
}


def test_a_valid_sla_has_no_problem_and_is_normalised():
    assert sla_problems(VALID) == []
    assert sla_normalised({**VALID, "name": "  MQLs delivered ", "source": " webinar "}) == {
        **VALID,
        "source": "webinar",
        "target": 200,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpi": "happiness"}, "SLA \"MQLs delivered\": unknown KPI 'happiness'"),
        ({"kpi": None}, "unknown KPI None"),
        ({"kpi": "stage_days_median"}, "stage_days_median has one value per stage"),
        ({"comparator": ">"}, "unknown comparator '>' (>= or <=)"),
        ({"comparator": "gte"}, "unknown comparator 'gte'"),
        ({"period": "year"}, "unknown period 'year' (week, month or quarter)"),
        ({"team": "leadership"}, "unknown team 'leadership' (marketing, sales or shared)"),
        ({"kpi": "mql_to_sql_rate", "target": 30}, "a rate target is a fraction between 0 and 1"),
        ({"kpi": "mql_to_sql_rate", "target": -0.1}, "the target cannot be negative"),
        ({"kpi": "traffic_to_lead_rate", "target": 1.5}, "between 0 and 1"),
        ({"target": "lots"}, "the target 'lots' is not a number"),
        ({"target": None}, "the target None is not a number"),
        ({"target": True}, "is not a number"),
        ({"target": "NaN"}, "is not a number"),
        ({"target": 200.5}, "a count target is a whole number"),
        ({"kpi": "revenue", "target": "0.0000001"}, "more than 6 decimals"),
        ({"source": ""}, "the source is a channel name, or null"),
        ({"source": 7}, "the source is a channel name"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"name": "x" * 201}, "longer than 200 characters"),
    ],
)
def test_an_invalid_sla_is_refused_with_a_message_naming_it(change, message):
    problems = sla_problems({**VALID, **change})
    assert len(problems) == 1, problems
    assert message in problems[0]
    if "name" not in change:
        assert problems[0].startswith('SLA "MQLs delivered": ')


def test_rates_accept_both_ends_and_money_any_amount():
    for target in (0, 1, "0.3", 0.999999):
        assert sla_problems({**VALID, "kpi": "win_rate", "target": target}) == []
    assert sla_problems({**VALID, "kpi": "revenue", "target": "125000.50"}) == []


def test_a_nameless_sla_is_named_by_its_position_in_a_file():
    problems = slas_problems([VALID, {**VALID, "name": ""}, "not an object"])
    assert problems == [
        "SLA #2: a name is required",
        "SLA #3: not an object with name, kpi, comparator, …",
    ]


def test_a_name_used_twice_in_one_file_is_refused():
    assert slas_problems([VALID, {**VALID, "target": 100}]) == [
        'SLA "MQLs delivered": the name is used twice'
    ]


@pytest.mark.parametrize(
    ("value", "comparator", "target", "met"),
    [
        (5, ">=", 5, True),
        (5, "<=", 5, True),
        (4.999999, ">=", 5, False),
        (0.3, ">=", "0.3", True),
        (None, ">=", 1, None),
    ],
)
def test_equal_to_the_target_satisfies_both_comparators(value, comparator, target, met):
    assert target_met(value, comparator, target) is met


def test_template_targets_from_means_that_are_not_whole_numbers():
    """A three-month mean of 1523/3 MQLs: the page answered 500 ("1523/3" is no Decimal)."""
    from decimal import Decimal
    from fractions import Fraction

    from smarketing.slas.proposals import template_proposals

    proposals = {
        p["kpi"]: p["target"]
        for p in template_proposals({"mqls": Fraction(1523, 3), "mql_to_sql_rate": Fraction(1, 3)})
    }
    assert proposals["mqls"] == 508  # 507.67 rounded up
    assert proposals["mql_to_sql_rate"] == Decimal("0.33")
