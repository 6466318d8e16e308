"""The survey measures of SPEC section 5 on hand-computed answers (pure, no database)."""

import pytest

from surveys import scoring


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([10, 9, 8, 7, 6, 0], 0.0),  # 2 promoters, 2 detractors of 6
        ([10, 10, 9, 8], 75.0),  # 3 promoters of 4, no detractor
        ([0, 3, 6], -100.0),
        ([7, 8], 0.0),
        ([9, 6, 7], 0.0),
        ([10, 9, 9, 1, 7], 40.0),  # (3 − 1) / 5
    ],
)
def test_nps_is_promoter_share_minus_detractor_share(scores, expected):
    assert scoring.nps(scores) == expected


def test_nps_shares_add_up_and_use_the_9_and_6_boundaries():
    shares = scoring.nps_shares([9, 8, 7, 6, 10])
    assert shares == {"promoters": 0.4, "passives": 0.4, "detractors": 0.2}
    assert scoring.nps_shares([]) == {"promoters": None, "passives": None, "detractors": None}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], None), ([5, 4, 3, 2], 0.5), ([4], 1.0), ([1, 2, 3], 0.0), ([5, 5, 4, 1, 3], 0.6)],
)
def test_csat_is_share_of_four_and_five(scores, expected):
    assert scoring.csat(scores) == expected


@pytest.mark.parametrize(
    ("values", "expected"), [([], None), ([4, 5, 3], 4.0), ([2, 2, 3], 7 / 3), ([1], 1.0)]
)
def test_mean(values, expected):
    result = scoring.mean(values)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("marketing", "sales", "expected"),
    [(4.0, 2.0, 2.0), (2.0, 4.5, 2.5), (3.0, 3.0, 0.0), (None, 3.0, None), (3.0, None, None)],
)
def test_perception_gap_is_absolute_difference_of_team_means(marketing, sales, expected):
    assert scoring.perception_gap(marketing, sales) == expected


def test_distribution_lists_every_scale_value():
    assert scoring.distribution([1, 5, 5, 3], 1, 5) == {1: 1, 2: 0, 3: 1, 4: 0, 5: 2}


@pytest.mark.parametrize(
    ("means", "gaps", "expected"),
    [
        ([], [], None),
        ([5.0, 5.0], [0.0, 0.0], 100.0),
        ([1.0], [], 0.0),
        ([3.0], [], 50.0),  # no visible gap: agreement alone
        ([4.0, 4.0], [1.0, 1.0], 56.25),  # 75 × (1 − 1/4)
        ([3.0, 8 / 3], [2.0, 2 / 3], 30.555555),  # 45.83 × (1 − 1.333/4)
    ],
)
def test_alignment_score_scales_agreement_by_the_mean_gap(means, gaps, expected):
    result = scoring.alignment_score(means, gaps)
    assert result == (pytest.approx(expected, abs=1e-5) if expected is not None else None)


@pytest.mark.parametrize(
    ("counts", "k", "hidden"),
    [
        # Everyone visible.
        ({"marketing": 5, "sales": 7}, 5, set()),
        # The example: 6 + 1 with k = 5. Sales is hidden, and marketing too, else
        # overall − marketing = sales.
        ({"marketing": 6, "sales": 1}, 5, {"marketing", "sales"}),
        # An empty group hides nothing more: there is nothing to recover.
        ({"marketing": 6, "sales": 0, "leadership": 0}, 5, {"sales", "leadership"}),
        # Two small groups that together reach k protect each other.
        ({"marketing": 9, "sales": 3, "leadership": 2}, 5, {"sales", "leadership"}),
        # Two small groups below k together: the next-smallest visible one goes too.
        (
            {"marketing": 9, "sales": 6, "leadership": 1, "other": 2},
            5,
            {"leadership", "other", "sales"},
        ),
        # Ties are broken by name, deterministically.
        ({"marketing": 5, "sales": 5, "leadership": 1}, 5, {"leadership", "marketing"}),
        # The whole below k: nothing at all is shown.
        ({"marketing": 2, "sales": 1}, 5, {"marketing", "sales"}),
        ({"a": 3, "b": 3}, 3, set()),
    ],
)
def test_hidden_groups_apply_primary_and_complementary_suppression(counts, k, hidden):
    assert scoring.hidden_groups(counts, k) == hidden


@pytest.mark.parametrize(
    "counts", [{"m": 6, "s": 1}, {"m": 9, "s": 2, "l": 1}, {"a": 4, "b": 1, "c": 7}]
)
def test_no_visible_subtraction_reveals_a_group_below_k(counts):
    k = 5
    hidden = scoring.hidden_groups(counts, k)
    recovered = sum(counts.values()) - sum(n for g, n in counts.items() if g not in hidden)
    assert recovered == 0 or recovered >= k


@pytest.mark.parametrize("bad", [2, 0, -1, True, 4.5])
def test_threshold_never_below_three(bad):
    with pytest.raises(ValueError):
        scoring.threshold_validate(bad)


# Statement 1: marketing 4, 5, 3; sales 2, 3, 1. Statement 2: marketing 2, 2, 3; sales 3, 3, 3.
HAND_MADE_COUNTS = {
    1: {"marketing": {4: 1, 5: 1, 3: 1}, "sales": {2: 1, 3: 1, 1: 1}},
    2: {"marketing": {2: 2, 3: 1}, "sales": {3: 3}},
}


def test_alignment_figures_score_and_gaps_from_grouped_counts():
    figures = scoring.alignment_figures(
        HAND_MADE_COUNTS, statement_ids=[1, 2], teams=["marketing", "sales"], threshold=3
    )
    assert figures.team_counts == {"marketing": 3, "sales": 3}
    assert figures.statements[1].gap == 2.0
    assert figures.statements[2].gap == pytest.approx(2 / 3)
    assert figures.mean_gap == pytest.approx(4 / 3)
    assert figures.score == pytest.approx(45.8333333 * (1 - (4 / 3) / 4))
    assert figures.answers_mean == pytest.approx(34 / 12)  # (18 + 16) / 12 answers
    assert figures.statements[1].overall["distribution"] == {
        "1": 1,
        "2": 1,
        "3": 2,
        "4": 1,
        "5": 1,
    }


@pytest.mark.parametrize(
    ("marketing", "sales", "threshold", "hidden_teams", "has_gap"),
    [
        (3, 3, 3, set(), True),
        (6, 1, 5, {"marketing", "sales"}, False),  # 7 − 6 would give the sales answer away
        (5, 5, 5, set(), True),
        (2, 2, 3, {"marketing", "sales"}, False),  # the whole wave below k
    ],
)
def test_alignment_figures_suppress_teams_and_their_gap(
    marketing, sales, threshold, hidden_teams, has_gap
):
    counts = {1: {"marketing": {4: marketing}, "sales": {2: sales}}}
    figures = scoring.alignment_figures(
        counts, statement_ids=[1], teams=["marketing", "sales"], threshold=threshold
    )
    assert figures.hidden_teams == hidden_teams
    assert (figures.statements[1].gap is not None) is has_gap
    for team in hidden_teams:
        assert figures.statements[1].teams[team] == scoring.hidden(threshold)


def _rows(spec):
    """CustomerCount rows from (month, score, source, n)."""
    return [
        scoring.CustomerCount(month=month, score=score, source=source, campaign="c", owner="o", n=n)
        for month, score, source, n in spec
    ]


@pytest.mark.parametrize(
    ("spec", "months"),
    [
        # January's 2 answers are below k = 3; February alone would be overall − January.
        ([("2025-01", 10, "a", 2), ("2025-02", 9, "a", 6)], []),
        # March (1) is hidden, so the smallest other month goes too: 3 + 1 ≥ k.
        ([("2025-01", 10, "a", 3), ("2025-02", 0, "a", 4), ("2025-03", 9, "a", 1)], ["2025-02"]),
        ([("2025-01", 10, "a", 3), ("2025-02", 0, "a", 4)], ["2025-01", "2025-02"]),
    ],
)
def test_the_monthly_trend_hides_months_below_the_threshold_and_their_complement(spec, months):
    figures = scoring.customer_figures(
        _rows(spec), measure="nps", scale=(0, 10), threshold=3, open_month=None
    )
    assert [row["month"] for row in figures["trend"]] == months
    assert not figures["overall"]["hidden"]


def test_the_trend_gives_each_month_its_own_nps():
    figures = scoring.customer_figures(
        _rows([("2025-01", 10, "a", 3), ("2025-02", 0, "a", 2), ("2025-02", 9, "a", 2)]),
        measure="nps",
        scale=(0, 10),
        threshold=3,
        open_month=None,
    )
    assert [(row["month"], row["nps"]) for row in figures["trend"]] == [
        ("2025-01", 100.0),
        ("2025-02", 0.0),
    ]
    assert figures["overall"]["nps"] == round(100 * (5 - 2) / 7, 2)


def test_breakdowns_add_up_whole_quarters_cells_of_at_least_k_and_never_name_the_others():
    spec = [
        ("2025-01", 10, "events", 2),  # Q1: events 2 + 2 = 4 (shown), webinar 1 (hidden)
        ("2025-03", 10, "events", 2),
        ("2025-02", 0, "webinar", 1),
        ("2025-02", 6, "referral", 5),  # …so the smallest visible cell of Q1 goes too: events
        ("2025-04", 9, "events", 3),  # Q2: events 3 (shown), referral 3 (shown)
        ("2025-05", 7, "referral", 3),
        ("2025-07", 9, "webinar", 9),  # Q3: still open to releases, never used
    ]
    figures = scoring.customer_figures(
        _rows(spec), measure="nps", scale=(0, 10), threshold=3, open_month="2025-08"
    )
    by_source = {row["group"]: row for row in figures["by_source"]}
    assert by_source.keys() == {"events", "referral"}  # webinar has no shown cell
    assert by_source["events"]["responses"] == 3 and by_source["events"]["nps"] == 100.0
    assert by_source["referral"]["responses"] == 8  # 5 detractors (Q1) and 3 passives (Q2)
    assert by_source["referral"]["nps"] == -62.5
    closed = scoring.customer_figures(
        _rows(spec), measure="nps", scale=(0, 10), threshold=3, open_month=None
    )
    assert {row["group"]: row["responses"] for row in closed["by_source"]} == {
        "events": 3,
        "referral": 8,
        "webinar": 9,  # once the survey closes its last quarter counts
    }


@pytest.mark.parametrize(
    ("is_alignment", "pending", "closing", "released_before", "due"),
    [
        (True, 10, False, False, False),  # a pulse releases only when it closes
        (True, 10, True, False, True),
        (True, 1, True, False, True),  # one release for the whole wave, whatever its size
        (True, 0, True, False, False),
        (False, 2, False, True, False),  # customers: k pending make a release
        (False, 3, False, True, True),
        (False, 2, True, True, False),  # the rest at close would be a difference of 2
        (False, 2, True, False, True),  # nothing was shown yet: all hidden below k anyway
        (False, 4, True, True, True),
    ],
)
def test_release_due(is_alignment, pending, closing, released_before, due):
    assert (
        scoring.release_due(
            is_alignment=is_alignment,
            pending=pending,
            threshold=3,
            closing=closing,
            released_before=released_before,
        )
        is due
    )


def _gap_figures(team_values, threshold=3):
    """Figures of a wave from {statement: (marketing values, sales values)}."""
    counts = {
        statement: {
            "marketing": scoring.counts_add(*({v: 1} for v in marketing)),
            "sales": scoring.counts_add(*({v: 1} for v in sales)),
        }
        for statement, (marketing, sales) in team_values.items()
    }
    return scoring.alignment_figures(
        counts, statement_ids=list(team_values), teams=["marketing", "sales"], threshold=threshold
    )


@pytest.mark.parametrize(
    ("team_values", "limit", "expected"),
    [
        # gaps 2.0, 0.0, 1.0 → the two largest, largest first
        (
            {1: ([4, 4, 4], [2, 2, 2]), 2: ([3, 3, 3], [3, 3, 3]), 3: ([5, 5, 5], [4, 4, 4])},
            2,
            [(1, 4.0, 2.0, 2.0), (3, 5.0, 4.0, 1.0)],
        ),
        # equal gaps keep the statements' order
        (
            {1: ([2, 2, 2], [3, 3, 3]), 2: ([4, 4, 4], [3, 3, 3])},
            5,
            [(1, 2.0, 3.0, 1.0), (2, 4.0, 3.0, 1.0)],
        ),
        # sales below k: every gap is suppressed, none is listed
        ({1: ([4, 4, 4], [2, 2]), 2: ([3, 3, 3], [1, 1])}, 3, []),
    ],
)
def test_largest_gaps_leave_suppressed_statements_out(team_values, limit, expected):
    figures = _gap_figures(team_values)
    texts = {statement: f"S{statement}" for statement in team_values}
    rows = scoring.largest_gaps(figures, texts, limit)
    assert [
        (r["statement_id"], r["marketing_mean"], r["sales_mean"], r["perception_gap"]) for r in rows
    ] == expected
    assert all(row["text"] == f"S{row['statement_id']}" for row in rows)


@pytest.mark.parametrize(
    ("team_values", "mean_score", "mean_gap"),
    [
        # every answer: (4·3 + 2·3 + 3·6) / 12 = 3.0; gaps 2 and 0 → 1.0
        ({1: ([4, 4, 4], [2, 2, 2]), 2: ([3, 3, 3], [3, 3, 3])}, 3.0, 1.0),
        # unequal teams: the mean over every answer, not of the team means (4·4 + 1·3) / 7
        ({1: ([4, 4, 4, 4], [1, 1, 1])}, 19 / 7, 3.0),
        # sales below k (and so marketing too: 4 − 3 would be one sales answer)… but the wave
        # as a whole has 5 ≥ 3 answers: the mean stays, no gap exists
        ({1: ([5, 5, 5, 5], [1])}, 21 / 5, None),
        ({1: ([5], [1])}, None, None),  # the whole wave below k
    ],
)
def test_the_cockpit_means_of_a_wave(team_values, mean_score, mean_gap):
    figures = _gap_figures(team_values)
    assert figures.answers_mean == (pytest.approx(mean_score) if mean_score else None)
    assert figures.mean_gap == (pytest.approx(mean_gap) if mean_gap is not None else None)


@pytest.mark.parametrize(
    ("counts", "threshold", "expected"),
    [
        ({}, 3, None),
        ({10: 1, 0: 1}, 3, None),  # 2 answers < k
        ({10: 2, 9: 1, 7: 1, 3: 1}, 3, 40.0),  # (3 − 1) / 5
        ({10: 2, 9: 1, 7: 1, 3: 1}, 6, None),
        ({6: 3}, 3, -100.0),
    ],
)
def test_nps_of_counts(counts, threshold, expected):
    assert scoring.nps_of_counts(counts, threshold) == expected
