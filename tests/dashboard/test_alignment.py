"""The alignment index (SPEC section 5): components, weights, rescaling; hand-computed values."""

from fractions import Fraction

import pytest

from smarketing.dashboard.alignment import (
    AlignmentInputs,
    alignment_components,
    alignment_index,
    rounded,
)

DEFAULT_WEIGHTS = {
    "sla_compliance": 30,
    "handoff_acceptance": 20,
    "survey_score": 25,
    "perception_agreement": 10,
    "nps": 15,
}
ALL = {
    "sla_compliance": 80,
    "handoff_acceptance": 90,
    "survey_score": 60,
    "perception_agreement": 70,
    "nps": 50,
}


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # 8 met, 2 missed → 80; rejection 0.15 → 85; mean 3.4 → 60; gap 0.6 → 85; NPS 20 → 60.
        (
            AlignmentInputs(8, 2, 0.15, 3.4, 0.6, 20),
            {
                "sla_compliance": 80,
                "handoff_acceptance": 85,
                "survey_score": 60,
                "perception_agreement": 85,
                "nps": 60,
            },
        ),
        # Extremes: all missed, all rejected, every answer 1, the widest gap, NPS −100.
        (
            AlignmentInputs(0, 5, 1, 1, 4, -100),
            {
                "sla_compliance": 0,
                "handoff_acceptance": 0,
                "survey_score": 0,
                "perception_agreement": 0,
                "nps": 0,
            },
        ),
        # No SLA period closed (0 + 0), nothing else known: every component is missing.
        (AlignmentInputs(0, 0), dict.fromkeys(ALL)),
        (AlignmentInputs(), dict.fromkeys(ALL)),
        # A rejection rate of 0 is data (100), not "no data".
        (AlignmentInputs(mql_rejection_rate=0), {**dict.fromkeys(ALL), "handoff_acceptance": 100}),
    ],
)
def test_components_from_the_quarters_figures(inputs, expected):
    assert alignment_components(inputs) == expected


@pytest.mark.parametrize(
    ("components", "weights", "value", "applied"),
    [
        # Every component: (80·30 + 90·20 + 60·25 + 70·10 + 50·15) / 100 = 71.5
        (ALL, DEFAULT_WEIGHTS, 71.5, DEFAULT_WEIGHTS),
        # No SLAs: the other 70 points are rescaled to 100.
        # (90·20 + 60·25 + 70·10 + 50·15) / 70 = 4750 / 70 = 67.857142… → 67.86
        (
            {**ALL, "sla_compliance": None},
            DEFAULT_WEIGHTS,
            67.86,
            {
                "sla_compliance": None,
                "handoff_acceptance": 28.57,  # 20 / 70 × 100
                "survey_score": 35.71,
                "perception_agreement": 14.29,
                "nps": 21.43,
            },
        ),
        # Only hand-off acceptance and NPS (no closed pulse, no SLA): (90·20 + 50·15) / 35
        # = 2550 / 35 = 72.857… → 72.86
        (
            {"handoff_acceptance": 90, "nps": 50},
            DEFAULT_WEIGHTS,
            72.86,
            {
                "sla_compliance": None,
                "handoff_acceptance": 57.14,
                "survey_score": None,
                "perception_agreement": None,
                "nps": 42.86,
            },
        ),
        # Weights changed by an admin: equal weights are the plain mean, (80+90+60+70+50)/5 = 70.
        (ALL, dict.fromkeys(ALL, 1), 70.0, dict.fromkeys(ALL, 20.0)),
        # A weight of 0 drops its component from the mean but not from the page.
        (
            ALL,
            {**DEFAULT_WEIGHTS, "sla_compliance": 0},
            67.86,
            {
                "sla_compliance": 0.0,
                "handoff_acceptance": 28.57,
                "survey_score": 35.71,
                "perception_agreement": 14.29,
                "nps": 21.43,
            },
        ),
        # Fewer than two components: no index.
        ({"nps": 50}, DEFAULT_WEIGHTS, None, dict.fromkeys(ALL)),
        ({}, DEFAULT_WEIGHTS, None, dict.fromkeys(ALL)),
        # Two components whose weights are both 0: nothing to average.
        (
            {"nps": 50, "survey_score": 60},
            {**DEFAULT_WEIGHTS, "nps": 0, "survey_score": 0},
            None,
            dict.fromkeys(ALL),
        ),
    ],
)
def test_index_rescales_weights_over_the_components_with_data(components, weights, value, applied):
    index = alignment_index(components, weights)
    output = index.output()
    assert output["value"] == value
    assert output["weights"] == applied
    assert output["components"] == {name: rounded(components.get(name)) for name in ALL}


def test_index_is_exact_until_output():
    # Thirds would drift if rounded early: (100/3·1 + 200/3·2) / 3 = 500/9 = 55.555… → 55.56
    index = alignment_index(
        {"nps": Fraction(100, 3), "survey_score": Fraction(200, 3)}, {"nps": 1, "survey_score": 2}
    )
    assert index.value == Fraction(500, 9)
    assert index.output()["value"] == 55.56
    assert index.left_out == ["sla_compliance", "handoff_acceptance", "perception_agreement"]
