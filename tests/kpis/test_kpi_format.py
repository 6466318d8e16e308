"""How pages show KPI values (the kpi_format template filters); the API keeps SPEC numbers."""

import pytest
from django.template import Context, Template

from smarketing.kpis.templatetags.kpi_format import (
    count,
    days,
    format_kpi,
    hours,
    kpi_change_parts,
    kpi_difference,
    kpi_label,
    money,
    percent,
)


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (22285.2, "USD", "$22,285.20"),
        (0.0, "USD", "$0.00"),
        (1234567.891, "EUR", "€1,234,567.89"),
        (0.005, "GBP", "£0.01"),  # half-up, not banker's rounding
        (-1500, "USD", "−$1,500.00"),
        (1000, "CHF", "1,000.00 CHF"),
        (1000, "chf", "1,000.00 CHF"),
        (None, "USD", "—"),
    ],
)
def test_money_has_currency_thousands_separators_and_two_decimals(value, currency, shown):
    assert money(value, currency) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.43, "43.0%"), (0.331633, "33.2%"), (1.0, "100.0%"), (0, "0.0%"), (0.00055, "0.1%"),
     (-0.021, "−2.1%"), (None, "—")],
)  # fmt: skip
def test_rates_are_percentages_with_one_decimal(value, shown):
    assert percent(value) == shown


@pytest.mark.parametrize(
    ("function", "value", "shown"),
    [
        (days, 90.58, "90.6 days"),
        (days, 1234.04, "1,234.0 days"),
        (hours, 14.25, "14.3 h"),
        (hours, None, "—"),
        (count, 1234567, "1,234,567"),
        (count, 0, "0"),
        (count, 10.5, "10.5"),
    ],
)
def test_durations_carry_units_and_counts_separators(function, value, shown):
    assert function(value) == shown


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("revenue", 333213.2, "$333,213.20"),
        ("customer_lifetime_value", 22285.2, "$22,285.20"),
        ("mql_to_sql_rate", 0.331633, "33.2%"),
        ("sales_cycle_days_mean", 90.58, "90.6 days"),
        ("stage_days_median.mql_to_sql", 3.19, "3.2 days"),
        ("mql_response_hours_median", 14.25, "14.3 h"),
        ("leads", 1392, "1,392"),
        ("win_rate", None, "—"),
    ],
)
def test_each_kpi_is_formatted_by_its_unit(key, value, shown):
    assert format_kpi(value, key, "USD") == shown


def test_labels_name_the_stage_of_a_stage_median():
    assert kpi_label("stage_days_median.mql_to_sql") == "Days per stage (median) · MQL → SQL"
    assert kpi_label("mql_to_sql_rate") == "MQL → SQL"


@pytest.mark.parametrize(
    ("key", "current", "previous", "expected"),
    [
        ("leads", 392, 350, ("+12.0%", "better")),
        ("leads", 300, 400, ("−25.0%", "worse")),
        ("customer_acquisition_cost", 90, 100, ("−10.0%", "better")),  # lower is better
        ("mql_to_sql_rate", 0.35, 0.33, ("+2.0 pp", "better")),  # rates in percentage points
        ("mql_rejection_rate", 0.35, 0.33, ("+2.0 pp", "worse")),
        ("revenue", 100, 100, ("±0.0%", "flat")),
        ("spend", 96.6, 100, ("−3.4%", "moved")),  # less spend is no bad news by itself
        ("spend", 110, 100, ("+10.0%", "moved")),
        ("revenue", 100, 0, None),  # no relative change from nothing
        ("revenue", None, 10, None),
        ("win_rate", 0.5, None, None),
    ],
)
def test_change_against_the_previous_month(key, current, previous, expected):
    assert kpi_change_parts(current, previous, key) == expected


def test_template_tags_render_formatted_values_and_changes():
    html = Template(
        "{% load kpi_format %}{% kpi_value v 'revenue' 'EUR' %}|{{ r|percent }}|"
        "{% kpi_change 110 100 'leads' '2026-09' %}"
    ).render(Context({"v": 1234.5, "r": 0.4}))
    assert html.startswith("€1,234.50|40.0%|")
    assert (
        '<span class="change change-better">▲ +10.0% vs 2026-09'
        ' <span class="verdict">better</span></span>'
    ) in html


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("spend", "no spend data"),
        ("customer_acquisition_cost", "no spend data"),
        ("traffic_to_mql_rate", "no traffic data"),
        ("customers_with_content_rate", "no content data"),
        ("win_rate", "no data"),
        ("stage_days_median.mql_to_sql", "no data"),
    ],
)
def test_a_missing_value_says_why_and_is_never_zero(key, shown):
    html = Template("{% load kpi_format %}{% kpi_value v key 'USD' %}").render(
        Context({"v": None, "key": key})
    )
    assert html == f'<span class="no-data">{shown}</span>'
    assert "$0.00" not in html


@pytest.mark.parametrize(
    ("key", "spend", "shown"),
    [
        ("customer_acquisition_cost", 1832.34, "no new customers"),
        ("cost_per_lead", 0, "no leads"),
        ("cost_per_mql", 10, "no MQLs"),
        ("customer_acquisition_cost", None, "no spend data"),
        ("win_rate", 10, "no data"),
    ],
)
def test_a_cost_with_spend_says_what_it_had_nothing_to_divide_by(key, spend, shown):
    # Spend of 1,832.34 and no new customers: the CAC is missing, not for want of spend data.
    html = Template("{% load kpi_format %}{% kpi_value v key 'USD' spend=spend %}").render(
        Context({"v": None, "key": key, "spend": spend})
    )
    assert html == f'<span class="no-data">{shown}</span>'


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("traffic_to_lead_rate", 0.014, "+1.4 pp"),
        ("leads", -164, "−164"),
        ("revenue", 1500.5, "+$1,500.50"),
        ("sales_cycle_days_mean", 37.7, "+37.7 days"),
        ("leads", 0, "±0"),
    ],
)
def test_differences_are_signed_in_the_kpis_unit(key, value, shown):
    assert kpi_difference(value, key) == shown
