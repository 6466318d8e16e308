"""Generated commentary: pure functions, one wording per case."""

from fractions import Fraction

import pytest

from smarketing.dashboard import commentary
from smarketing.dashboard.alignment import AlignmentIndex, alignment_index

WEIGHTS = {
    "sla_compliance": 30,
    "handoff_acceptance": 20,
    "survey_score": 25,
    "perception_agreement": 10,
    "nps": 15,
}
FULL = {
    "sla_compliance": 80,
    "handoff_acceptance": 90,
    "survey_score": 60,
    "perception_agreement": 70,
    "nps": 50,
}


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (FULL, {**FULL, "nps": 30}, "Alignment index 71.5 of 100 in 2026-Q3, up 3 from 2026-Q2."),
        ({**FULL, "nps": 30}, FULL, "Alignment index 68.5 of 100 in 2026-Q3, down 3 from 2026-Q2."),
        (FULL, FULL, "Alignment index 71.5 of 100 in 2026-Q3, as in 2026-Q2."),
        (FULL, {"nps": 1}, "Alignment index 71.5 of 100 in 2026-Q3."),
        (
            {"nps": 50},
            FULL,
            "No alignment index for 2026-Q3: fewer than two of its five components have data.",
        ),
    ],
)
def test_the_answer_in_one_sentence(current, previous, expected):
    sentences = commentary.index_sentences(
        alignment_index(current, WEIGHTS),
        alignment_index(previous, WEIGHTS),
        quarter="2026-Q3",
        previous_quarter="2026-Q2",
    )
    assert sentences == [expected]


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        (FULL, ["Strongest: Hand-off acceptance (90); weakest: Customer NPS (50)."]),
        (
            {"handoff_acceptance": 90, "nps": 50},
            [
                "Strongest: Hand-off acceptance (90); weakest: Customer NPS (50).",
                "Left out for lack of data: SLA compliance, Alignment survey score, Perception"
                " agreement; the other weights were rescaled.",
            ],
        ),
        # A tie: the strongest is the component listed first, the weakest the one listed last.
        (
            {**FULL, "handoff_acceptance": 70, "nps": 70, "sla_compliance": 70},
            ["Strongest: SLA compliance (70); weakest: Alignment survey score (60)."],
        ),
    ],
)
def test_strongest_weakest_and_left_out(components, expected):
    assert commentary.component_sentences(alignment_index(components, WEIGHTS)) == expected


@pytest.mark.parametrize(
    ("kpis", "previous", "expected"),
    [
        # Revenue +50 % is the biggest move; MQLs +4 % is under 5 % and not news; win rate
        # −10 pp (5 × the 2 pp bar) beats CAC +20 % (4 × the 5 % bar).
        (
            {"revenue": 150, "mqls": 104, "win_rate": 0.2, "customer_acquisition_cost": 120},
            {"revenue": 100, "mqls": 100, "win_rate": 0.3, "customer_acquisition_cost": 100},
            [
                "Revenue +50.0% vs 2026-Q2 ($100.00 → $150.00): good news.",
                "Win rate −10.0 pp vs 2026-Q2 (30.0% → 20.0%): bad news.",
                "Customer acquisition cost +20.0% vs 2026-Q2 ($100.00 → $120.00): bad news.",
            ],
        ),
        # Nothing to compare with: nothing said; from 0 there is no relative move.
        ({"revenue": 150}, {}, []),
        ({"revenue": 150}, {"revenue": 0}, []),
        ({"revenue": None}, {"revenue": 100}, []),
    ],
)
def test_biggest_movers(kpis, previous, expected):
    assert commentary.mover_sentences(kpis, previous, previous_label="2026-Q2") == expected


def test_gap_means_are_rounded_half_up_like_the_page():
    # 4.125 (33 answers over 8) printed 4.12 by Python's round-half-even, 4.13 on the page.
    gap = {"statement": "S", "marketing_mean": 4.125, "sales_mean": 3.375, "perception_gap": 0.75}
    assert commentary.gap_sentences([gap]) == [
        "Perception gap 0.75 on “S”: marketing 4.13, sales 3.38 (marketing agrees more)."
    ]


def test_gaps_say_which_team_agrees_more():
    gaps = [
        {
            "statement": "Leads are good",
            "marketing_mean": 4.2,
            "sales_mean": 2.9,
            "perception_gap": 1.3,
        },
        {
            "statement": "We share goals",
            "marketing_mean": 3.0,
            "sales_mean": 3.5,
            "perception_gap": 0.5,
        },
        {"statement": "Third", "marketing_mean": 3.0, "sales_mean": 3.2, "perception_gap": 0.2},
    ]
    assert commentary.gap_sentences(gaps) == [
        "Perception gap 1.30 on “Leads are good”: marketing 4.20, sales 2.90"
        " (marketing agrees more).",
        "Perception gap 0.50 on “We share goals”: marketing 3.00, sales 3.50 (sales agrees more).",
    ]
    assert commentary.gap_sentences([]) == []


@pytest.mark.parametrize(
    ("slas", "expected"),
    [
        (
            [
                {"name": "MQLs delivered", "team": "marketing", "status": "missed"},
                {"name": "Follow-up", "team": "sales", "status": "at_risk"},
                {"name": "Win rate", "team": "shared", "status": "met"},
            ],
            [
                "SLAs missed: MQLs delivered (marketing) 1 of 1 period.",
                "SLAs at risk: Follow-up (sales).",
            ],
        ),
        # Monthly SLAs closed in a quarter: how often each was missed.
        (
            [
                {"name": "MQLs delivered", "team": "marketing", "status": "missed"},
                {"name": "MQLs delivered", "team": "marketing", "status": "met"},
                {"name": "MQLs delivered", "team": "marketing", "status": "missed"},
                {"name": "Win rate", "team": "sales", "status": "no_data"},
            ],
            ["SLAs missed: MQLs delivered (marketing) 2 of 3 periods."],
        ),
        (
            [{"name": "Win rate", "team": "shared", "status": "met"}],
            ["Every SLA with data was met."],
        ),
        ([], []),
    ],
)
def test_slas_missed_and_at_risk(slas, expected):
    assert commentary.sla_sentences(slas) == expected


def test_anomalies_in_words():
    anomalies = [
        {"kpi": "leads", "value": 40, "direction": "spike", "baseline_median": 10.5},
        # A stage's median names its stage, not only "Days per stage".
        {"kpi": "stage_days_median.mql_to_sql", "value": 5, "direction": "spike",
         "baseline_median": 4.2},
        {"kpi": "mqls", "value": 339, "direction": "drop", "baseline_median": 395},
    ]  # fmt: skip
    assert commentary.anomaly_sentences(anomalies) == [
        "Leads: unusually high, 40 against a usual 10.5.",
        "Days per stage (median) · MQL → SQL: unusually high, 5.0 days against a usual 4.2 days.",
        "MQLs: unusually low, 339 against a usual 395.",
    ]


def test_the_index_keeps_its_decimal_and_is_rounded_once():
    # 61.0469… is 61.0 (not 61.05 rounded again to 61.1, nor "61").
    index = AlignmentIndex(
        value=Fraction(610469, 10000), components={}, configured_weights={}, weights={}
    )
    assert commentary.index_sentences(
        index, None, quarter="2026-Q3", previous_quarter="2026-Q2"
    ) == ["Alignment index 61.0 of 100 in 2026-Q3."]
