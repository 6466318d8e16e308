"""The dashboard, the KPI page and the goal planner as a person sees them, on a laptop and a
phone: the latest complete month, figures formatted, wide tables scrolling inside their card."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from smarketing.core.periods import Grain, period_containing
from smarketing.kpis import services
from tests.browser.conftest import add_person
from tests.factories.slas import kpi_target_make
from tests.kpis.conftest import deal, lead

PHONE = {"width": 390, "height": 844}
# Long source names make the by-source table much wider than any card.
SOURCES = [f"partner_channel_{name}" for name in "abcdefghijkl"]


@pytest.fixture
def kpi_workspace(workspace_factory):
    """A workspace of its own with two complete months of data before the month in progress
    (which has none), snapshots computed, a target, and an admin."""
    workspace = workspace_factory(name="Kpi Pages Co")
    utc = ZoneInfo("UTC")
    current = period_containing(Grain.MONTH, timezone.now().date(), utc)
    last, before = current.previous(), current.previous().previous()
    with schema_context(workspace.schema_name):
        for index, source in enumerate(SOURCES):
            day = last.first_day + timedelta(days=index % 20)
            lead(created_at=f"{day}T10:00", source=source, mql_at=f"{day}T12:00")
            lead(created_at=f"{before.first_day + timedelta(days=3)}T10:00", source=source)
        deal(
            status="won",
            amount="22285.20",
            created_at=f"{before.first_day}T09:00",
            closed_at=f"{last.first_day + timedelta(days=5)}T09:00",
        )
        kpi_target_make("leads", ">=", 100)
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=before.start, end=before.start + timedelta(days=1)
        )
        services.kpi_snapshot_refresh(job=job)
    connection.set_schema_to_public()
    person = add_person(workspace, "kim@kpis.test", "viewer")
    return workspace, person, last, before, current


def row(scope, header: str):
    """The table row whose header cell starts with `header` (then maybe a detail line)."""
    page = scope if isinstance(scope, Page) else scope.page  # `has` is matched inside the row
    return scope.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(header)}(\s|$)"))
    )


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && [...document.querySelectorAll('.card')].every(c => c.scrollWidth <= c.clientWidth)"
    )


def metric(page: Page, label: str):
    return page.locator(".metric", has=page.get_by_role("heading", name=label, exact=True))


def test_overview_shows_last_complete_month_formatted_with_changes(
    page, sign_in, screenshot, kpi_workspace
):
    workspace, person, last, before, current = kpi_workspace
    sign_in(page, person, workspace)
    expect(page.get_by_text("the latest complete month with data")).to_be_visible()
    expect(page.get_by_label("Month", exact=True)).to_have_value(last.label)
    expect(metric(page, "Revenue").locator(".metric-value")).to_have_text("$22,285.20")
    # MQLs: 12 last month, none the month before.
    mqls = metric(page, "MQLs")
    expect(mqls.locator(".metric-value")).to_have_text("12")
    expect(mqls).to_contain_text(f"up from 0 in {before.label}")
    expect(metric(page, "MQL → SQL").locator(".metric-value")).to_have_text("0.0%")
    # The month in progress is one choice away.
    expect(
        page.get_by_label("Month", exact=True).locator("option", has_text=current.label)
    ).to_have_text(f"{current.label} (in progress)")
    assert no_horizontal_overflow(page)
    page.goto(workspace.url("/funnel/"))
    page.wait_for_function("() => typeof window.Chart === 'function'")
    labels = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-volumes')).data.labels"
    )
    assert labels[-1] == last.label and len(labels) == 12 and current.label not in labels
    expect(row(page, "Leads").first).to_contain_text("≥ 100 ✗ missed")
    screenshot(page, "kpi-funnel")


def test_kpi_page_shows_every_kpi_and_every_source_without_a_scrolling_box(
    page, sign_in, screenshot, kpi_workspace
):
    workspace, person, last, _, _ = kpi_workspace
    sign_in(page, person, workspace)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs", exact=True).click()
    expect(page.get_by_role("heading", name=f"KPIs · {last.label}")).to_be_visible()
    compare = page.locator("table.kpi-compare")
    expect(row(compare, "Revenue")).to_contain_text("$22,285.20")
    expect(row(compare, "Lead → MQL")).to_contain_text("100.0%")
    for label in ("Win rate", "Customer acquisition cost", "Sales cycle (mean days)",
                  "Customer lifetime value"):  # fmt: skip
        expect(row(compare, label)).to_be_visible()
    volumes = page.locator(
        "section", has=page.get_by_role("heading", name="Funnel volumes by source")
    )
    for source in SOURCES:
        expect(row(volumes, source)).to_contain_text("1")
    assert no_horizontal_overflow(page)
    # Nothing scrolls inside the page: every table is as wide as its card at most.
    assert page.evaluate(
        "() => [...document.querySelectorAll('table')]"
        ".every(t => t.scrollWidth <= t.parentElement.clientWidth + 1)"
    )
    # Choosing a group and two sources narrows the by-source tables.
    page.get_by_label("KPI group", exact=True).select_option(label="Funnel volumes")
    page.get_by_text(re.compile("Sources by source below")).click()
    for source in [*SOURCES[2:], "unattributed"]:
        page.get_by_label(source, exact=True).uncheck()
    page.locator("form.kpi-choice").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]group=volumes"))
    assert f"sources={SOURCES[0]}" in page.url
    expect(page.locator("table.by-source tbody tr")).to_have_count(2)
    screenshot(page, "kpi-period-chosen")


def test_planner_page_plans_and_names_the_missing_rate(page, sign_in, screenshot, kpi_workspace):
    workspace, person, *_ = kpi_workspace
    sign_in(page, person, workspace)
    page.get_by_role("link", name="Planner").click()
    page.get_by_label("Revenue target").fill("100000")
    page.get_by_label("Period (year, quarter or month)").fill(
        period_containing(Grain.QUARTER, timezone.now().date(), ZoneInfo("UTC")).next().label
    )
    page.get_by_role("button", name="Plan").click()
    # 100,000 / 22,285.20 = 4.49 → 5 won deals; win rate 100% → 5 deals.
    expect(row(page, "Won deals")).to_contain_text("$22,285.20")
    expect(row(page, "Deals closed (won or lost)")).to_contain_text("5")
    # No traffic: the sessions step names its missing rate.
    expect(page.get_by_text("Traffic → lead could not be measured (no data)")).to_be_visible()
    expect(row(page, "Sessions")).to_contain_text("missing")
    assert no_horizontal_overflow(page)
    screenshot(page, "kpi-planner")


def test_kpi_pages_fit_a_phone(new_page, sign_in, screenshot, kpi_workspace):
    workspace, person, last, _, _ = kpi_workspace
    phone = new_page(viewport=PHONE)
    sign_in(phone, person, workspace)
    assert no_horizontal_overflow(phone)
    screenshot(phone, "kpi-dashboard-phone")
    phone.goto(workspace.url("/kpis/"))
    expect(phone.get_by_role("heading", name=f"KPIs · {last.label}")).to_be_visible()
    assert no_horizontal_overflow(phone)
    screenshot(phone, "kpi-period-phone")
    phone.goto(workspace.url("/kpis/planner/?revenue=50000&period=2026"))
    expect(row(phone, "Leads")).to_be_visible()
    assert no_horizontal_overflow(phone)
    screenshot(phone, "kpi-planner-phone")
