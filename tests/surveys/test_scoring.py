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
