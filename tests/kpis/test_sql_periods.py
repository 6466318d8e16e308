"""The set-based refresh against its reference: for every week, month and quarter, the
snapshot computed for many periods at once is byte for byte the one the one-period statement
gives (`services.kpi_snapshot_values`), on the demo data and on hand-made edge cases."""

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from smarketing.core.periods import Grain, Period, period_containing
from smarketing.kpis import services
from smarketing.kpis.selectors.context import kpi_context_get
from smarketing.kpis.sql_periods import period_grid

from .conftest import (
    activity,
    at,
    content,
    deal,
    lead,
    report,
    settings_update,
    spend,
    traffic,
)

pytestmark = pytest.mark.django_db


def assert_identical_to_the_reference(first: str, until: str) -> int:
    """Every snapshot period from `first` to `until`, set-based vs one statement per period."""
    context = kpi_context_get()
    periods = services.kpi_snapshot_periods(
        start=at(first), end=at(first), time_zone=ZoneInfo(context.time_zone), until=at(until)
    )
    many = services.kpi_snapshot_values_many(periods=periods, context=context)
    assert [period for period, _ in many] == periods
    for period, values in many:
        reference = services.kpi_snapshot_values(period=period, context=context)
        assert json.dumps(values) == json.dumps(reference), f"{period.grain} {period.label}"
    return len(periods)


def test_the_demo_data_gives_the_same_snapshots_as_one_statement_per_period(in_alpha, tmp_path):
    from smarketing.funnel.services import demo_data_import

    jobs = demo_data_import(directory=tmp_path, leads=2000, seed=42)
    assert {job.kind for job in jobs} == {
        "leads", "deals", "spend", "traffic", "activities", "content"
    }  # fmt: skip
    first = min(job.affected_start for job in jobs if job.affected_start)
    last = max(job.affected_end for job in jobs if job.affected_end)
    periods = assert_identical_to_the_reference(first.isoformat(), last.isoformat())
    assert periods > 90  # 18 months of weeks, months and quarters


def edge_cases(*, with_content: bool = True):
    # Leads at local midnight on period boundaries, one before the range, one whose dates go
    # backwards, one skipping stages, touched exactly at the SLA, converted after the window.
    lead("L1", created_at="2025-02-28T23:00:00Z", mql_at="2025-03-01T05:00:00Z",
         sql_at="2025-03-09T07:30:00Z", opportunity_at="2025-03-30T01:00:00Z",
         customer_at="2025-04-02T12:00:00Z", first_touch_at="2025-03-02T05:00:00Z",
         source="email", owner="ann")  # fmt: skip
    lead("L2", created_at="2024-11-20", mql_at="2025-01-03", rejected_at="2025-01-04",
         source="events", owner="bob")  # fmt: skip
    lead("L3", created_at="2025-03-10", mql_at="2025-03-05", sql_at="2025-03-04",
         source="email", owner="")  # fmt: skip
    lead("L4", created_at="2025-01-15", sql_at="2025-02-20", customer_at="2025-03-29T04:30:00Z",
         source="webinar", owner="ann")  # fmt: skip
    lead("L5", created_at="2025-02-01", mql_at="2025-02-03", first_touch_at="2025-02-04",
         sql_at="2025-04-30", source="webinar", owner="cy")  # fmt: skip
    for n in range(6):
        lead(f"M{n}", created_at=f"2025-03-{10 + n}T0{n}:00:00Z", mql_at=f"2025-03-{11 + n}",
             first_touch_at=f"2025-03-{11 + n}T0{n}:30:00Z", source="paid_social",
             owner="bob")  # fmt: skip
    # Deals: won before the range (lifetime), two won deals of one lead by two owners, an open
    # deal with an expected close date, one closed before it was created, unknown and empty
    # leads, a lost one.
    deal(status="won", amount="1000", created_at="2024-10-01", closed_at="2024-12-20",
         lead_id="L2", owner="bob")  # fmt: skip
    deal(status="won", amount="250.5", created_at="2025-02-01", closed_at="2025-03-31T22:30:00Z",
         lead_id="L1", owner="ann")  # fmt: skip
    deal(status="won", amount="99.99", created_at="2025-03-02", closed_at="2025-04-10",
         lead_id="L1", owner="cy")  # fmt: skip
    deal(status="open", amount="700", created_at="2025-01-10", closed_at="2025-02-01",
         lead_id="L4", owner="ann")  # fmt: skip
    deal(status="lost", amount="40", created_at="2025-03-20", closed_at="2025-03-01",
         lead_id="L5", owner="cy")  # fmt: skip
    deal(status="won", amount="10", created_at="2025-01-05", closed_at="2025-01-25",
         lead_id="NOPE", owner="")  # fmt: skip
    deal(status="lost", amount="5", created_at="2025-02-10", closed_at="2025-02-12", owner="dee")
    spend("2025-01", "email", "120")
    spend("2025-03", "paid_social", "0")
    spend("2025-04", "tv", "55.25")
    traffic("2025-01-31", "email", 40)
    traffic("2025-03-01", "webinar", 7)
    activity(type="call", date="2025-02-28T23:30:00Z", owner="ann", lead_id="L1")
    activity(type="meeting", date="2025-03-03", owner="eve", lead_id="GHOST")
    activity(type="email", date="2025-03-04", owner="bob", lead_id="")
    if with_content:
        content("2025-03-29", "L4")
        content("2025-04-02", "L1")
        content("2025-01-01", "NOBODY")
    # Owners seen only outside the refreshed range (listed in every period's by_owner), spend
    # and traffic only after it (null spend and sessions before).
    lead("LATE", created_at="2026-02-01", owner="zed", source="late_source")
    activity(type="call", date="2026-03-01", owner="quinn")
    spend("2026-01", "late_source", "0")
    traffic("2026-01-05", "late_source", 3)


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris", "America/Santiago"])
def test_edge_cases_give_the_same_snapshots_in_every_time_zone(in_alpha, time_zone):
    settings_update(time_zone=time_zone, conversion_window_days=30, response_sla_hours=5)
    edge_cases()
    # Weeks 2025-W01…W20, months January…May, Q1 and Q2 (and December west of UTC).
    assert assert_identical_to_the_reference("2025-01-01", "2025-05-15") >= 27


def test_without_content_spend_or_traffic_in_range_both_compilers_say_null(in_alpha):
    edge_cases(with_content=False)
    assert assert_identical_to_the_reference("2025-01-01", "2025-05-15") >= 27
    context = kpi_context_get()
    periods = services.kpi_snapshot_periods(
        start=at("2025-02-01"), end=at("2025-02-01"), time_zone=ZoneInfo("UTC"),
        until=at("2025-02-02"),
    )  # fmt: skip
    for period, values in services.kpi_snapshot_values_many(periods=periods, context=context):
        assert values["kpis"]["customers_with_content_rate"] is None, period.label
        assert set(values["by_owner"]) >= {"ann", "bob", "cy", "dee", "eve", "zed", "quinn"}
        assert "unassigned" in values["by_owner"]
        if period.label == "2025-02":  # no spend row in February; 2025-01-31's traffic only
            assert values["kpis"]["spend"] is None and values["kpis"]["sessions"] is None
            assert values["by_source"]["late_source"]["spend"] is None


def test_stages_from_deals_gives_the_same_snapshots(in_alpha):
    settings_update(time_zone="Europe/Paris", stages_from_deals=True)
    edge_cases()
    assert assert_identical_to_the_reference("2025-01-01", "2025-05-15") >= 27


def test_deals_in_other_currencies_give_the_same_snapshots(in_alpha):
    from decimal import Decimal

    from smarketing.configuration.models import ExchangeRate

    settings_update(time_zone="America/Santiago", currency="EUR")
    edge_cases()  # their deals have no currency: euros
    ExchangeRate.objects.create(currency="USD", month=None, rate=Decimal("0.9"))
    ExchangeRate.objects.create(currency="USD", month=date(2025, 3, 1), rate=Decimal("0.8"))
    ExchangeRate.objects.create(currency="COP", month=date(2025, 1, 1), rate=Decimal("0.0002"))
    # Closed 31 March 23:30 in Santiago = 1 April UTC: March's rate; COP without a rate for
    # February or March; an open deal in COP created in January.
    deal(status="won", amount="100", created_at="2025-03-02", closed_at="2025-04-01T02:30:00Z",
         lead_id="L1", owner="ann", currency="USD")  # fmt: skip
    deal(status="won", amount="50000", created_at="2025-01-20", closed_at="2025-02-10",
         lead_id="L4", owner="cy", currency="COP")  # fmt: skip
    deal(status="lost", amount="70000", created_at="2025-01-21", closed_at="2025-03-10",
         lead_id="L5", owner="bob", currency="COP")  # fmt: skip
    deal(status="open", amount="90000", created_at="2025-01-22", lead_id="L2", currency="COP")
    deal(status="won", amount="10", created_at="2025-02-01", closed_at="2025-02-02",
         currency="EUR")  # fmt: skip
    assert assert_identical_to_the_reference("2025-01-01", "2025-05-15") >= 27
    # March (Santiago): L1's old deal 250.5 € + this one 100 USD × 0.8 = 80.
    march = report("2025-03")["kpis"]
    assert (march["revenue"], march["won_deals"], march["average_deal_size"]) == (
        330.5, 2, 165.25,
    )  # fmt: skip
    february = report("2025-02")["kpis"]
    # 50,000 COP closed in February, no February rate: left out, still a won deal.
    assert february["won_deals"] == 2 and february["revenue"] == 10.0
    assert february["average_deal_size"] == 10.0


def test_an_empty_workspace_gives_the_same_snapshots(in_alpha):
    assert (
        assert_identical_to_the_reference("2025-01-01", "2025-02-01") == 8
    )  # W01…W05, 01, Q1, 2025


def test_the_grid_lays_periods_over_local_days():
    zone = ZoneInfo("Europe/Paris")
    march = period_containing(Grain.MONTH, date(2025, 3, 1), zone)
    week = period_containing(Grain.WEEK, date(2025, 3, 30), zone)  # 24 March … 30 March
    grid = period_grid([march, week, week.next()])
    assert (grid.first_day, grid.end_day) == (date(2025, 3, 1), date(2025, 4, 7))
    # The day clocks went forward (30 March) lasts 23 hours, as the periods' own boundaries do.
    hours = (grid.day_starts[30].timestamp() - grid.day_starts[29].timestamp()) / 3600
    assert hours == 23
    assert grid.day_starts[30] == week.end
    assert grid.day_pids[Grain.MONTH][0] == 1 and grid.day_pids[Grain.MONTH][31] is None
    assert grid.day_pids[Grain.WEEK][:23] == (None,) * 23
    # Measures over all history count the days before a grain's first period in it.
    assert grid.day_pids_from_first[Grain.WEEK][:23] == (2,) * 23


def test_the_grid_refuses_periods_with_a_gap():
    zone = ZoneInfo("UTC")
    january = period_containing(Grain.MONTH, date(2025, 1, 1), zone)
    with pytest.raises(ValueError, match="consecutive"):
        period_grid([january, january.shifted(2)])
    with pytest.raises(ValueError, match="no period"):
        period_grid([])
    assert isinstance(january, Period)
