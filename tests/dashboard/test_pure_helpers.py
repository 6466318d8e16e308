"""Maturing cohorts, sparklines and chart tables: pure functions, hand-computed cases."""

from datetime import UTC, datetime

import pytest

from smarketing.dashboard.charts import Chart, Series, bar_width, sparkline_path
from smarketing.dashboard.maturity import is_maturing, transition_medians

END = datetime(2026, 11, 1, tzinfo=UTC)  # October's end
MEDIANS = {"stage_days_median.opportunity_to_customer": 40.0, "sales_cycle_days_median": 90.0}


@pytest.mark.parametrize(
    ("key", "now", "maturing"),
    [
        # October's opportunities had 29 days; the workspace usually needs 40: maturing.
        ("opportunity_to_customer_rate", datetime(2026, 11, 30, tzinfo=UTC), True),
        # 41 days later they had the usual time.
        ("opportunity_to_customer_rate", datetime(2026, 12, 11, tzinfo=UTC), False),
        # Exactly the median: no longer maturing.
        ("opportunity_to_customer_rate", datetime(2026, 12, 11, tzinfo=UTC), False),
        ("lead_to_customer_rate", datetime(2027, 1, 1, tzinfo=UTC), True),  # 61 < 90 days
        ("win_rate", datetime(2026, 11, 2, tzinfo=UTC), False),  # not a cohort rate
        ("mql_to_sql_rate", datetime(2026, 11, 2, tzinfo=UTC), False),  # median unknown
    ],
)
def test_a_cohort_younger_than_the_usual_transition_is_maturing(key, now, maturing):
    assert is_maturing(key, period_end=END, now=now, medians=MEDIANS) is maturing


def test_usual_transition_time_is_the_median_of_the_quarters_medians():
    quarters = [
        {"stage_days_median": {"mql_to_sql": 3.0}, "sales_cycle_days_median": 80.0},
        {"stage_days_median": {"mql_to_sql": 5.0}, "sales_cycle_days_median": None},
        {"stage_days_median": {"mql_to_sql": 4.0}, "sales_cycle_days_median": 100.0},
        None,
    ]
    medians = transition_medians(quarters)
    assert medians["stage_days_median.mql_to_sql"] == 4.0
    assert medians["sales_cycle_days_median"] == 90.0
    assert "stage_days_median.lead_to_mql" not in medians


def test_sparkline_breaks_at_missing_values_and_flattens_a_flat_series():
    # 120 × 28 box, 3 px padding: x steps of 38 for four points; y from 25 (low) to 3 (high).
    assert sparkline_path([1, 2, None, 3]) == "M3 25 L41 14 M117 3"
    assert sparkline_path([5, 5]) == "M3 14 L117 14"
    assert sparkline_path([None, None]) == "" and sparkline_path([4]) == ""


def test_bars_are_clamped_to_their_track():
    assert [bar_width(v) for v in (None, -5, 42.42, 130)] == [0.0, 0.0, 42.4, 100.0]


def test_a_chart_gives_its_numbers_as_a_table_and_tells_series_apart_beyond_colour():
    chart = Chart(
        slug="s",
        title="t",
        labels=["2026-09", "2026-10"],
        series=[Series("Leads", [1, 2]), Series("MQLs", [None, 1])],
    )
    assert chart.table() == (["period", "Leads", "MQLs"], [["2026-09", 1, None], ["2026-10", 2, 1]])
    first, second = chart.config()["data"]["datasets"]
    assert first["borderDash"] != second["borderDash"]
    assert first["pointStyle"] != second["pointStyle"]
    assert second["data"] == [None, 1]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_chart_colours_read_on_white_and_apart_from_each_other_by_more_than_hue():
    from smarketing.dashboard.charts import PALETTE

    # Lines and points at ≥ 4.5:1 on the white card (WCAG 1.4.11 asks 3:1 of graphics).
    assert min(_contrast(colour, "#ffffff") for colour in PALETTE) >= 4.5
    # Every series has its own dash pattern and point shape: colour is never the only cue.
    chart = Chart(
        slug="s",
        title="t",
        labels=["a"],
        series=[Series(f"s{n}", [n]) for n in range(len(PALETTE))],
    )
    datasets = chart.config()["data"]["datasets"]
    assert len({str(d["borderDash"]) for d in datasets}) == len(datasets) or len(
        {(str(d["borderDash"]), d["pointStyle"]) for d in datasets}
    ) == len(datasets)


def test_source_names_break_between_their_words_and_stay_escaped():
    from smarketing.dashboard.templatetags.dashboard_tags import breakable

    assert breakable("content_syndication") == "content_<wbr>syndication"
    assert breakable("<b>_x") == "&lt;b&gt;_<wbr>x"
