"""The settings page as a workspace admin uses it: a channel changes owner, KPI targets are set
in percent, and the dashboard then shows each target as met or missed; on a laptop and a phone."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from smarketing.configuration.models import ChannelOwnership
from smarketing.core.periods import Grain, period_containing
from smarketing.kpis import services
from tests.browser.conftest import add_person
from tests.factories.slas import kpi_targets_stored
from tests.kpis.conftest import lead, spend

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def settings_workspace(workspace_factory):
    """A workspace of its own whose last complete month has 4 leads (webinar, outbound), 4 MQLs
    and 1 SQL, so MQL → SQL is 1 / 4 = 25 %; spend on events; snapshots computed; an admin."""
    workspace = workspace_factory(name="Settings Co")
    utc = ZoneInfo("UTC")
    last = period_containing(Grain.MONTH, timezone.now().date(), utc).previous()
    with schema_context(workspace.schema_name):
        for index, source in enumerate(["webinar", "webinar", "webinar", "outbound"]):
            day = last.first_day + timedelta(days=index + 1)
            lead(
                created_at=f"{day}T09:00",
                source=source,
                mql_at=f"{day}T10:00",
                sql_at=f"{day}T15:00" if index == 0 else None,
            )
        spend(f"{last.first_day:%Y-%m}", "events", "900")
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=last.start, end=last.start + timedelta(days=1)
        )
        services.kpi_snapshot_refresh(job=job)
    connection.set_schema_to_public()
    admin = add_person(workspace, "ines@settings.test", "admin", "leadership")
    return workspace, admin


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && [...document.querySelectorAll('.card')].every(c => c.scrollWidth <= c.clientWidth)"
    )


def add_target(page: Page, kpi_label: str, comparator: str, value: str) -> None:
    page.get_by_label("KPI", exact=True).select_option(label=kpi_label)
    page.get_by_label("Comparator", exact=True).select_option(label=comparator)
    page.get_by_label("Target value").fill(value)
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_text("KPI targets saved")).to_be_visible()


def test_admin_sets_a_channel_owner_and_targets_then_sees_them_judged_on_the_dashboard(
    page, new_page, sign_in, screenshot, settings_workspace
):
    workspace, admin = settings_workspace
    sign_in(page, admin, workspace)
    page.goto(workspace.url("/settings/"))
    # Every channel of the data, with its default owner.
    expect(page.get_by_label("Owner of webinar")).to_have_value("marketing")
    expect(page.get_by_label("Owner of outbound")).to_have_value("sales")
    expect(page.get_by_label("Owner of events")).to_have_value("marketing")

    page.get_by_label("Owner of webinar").select_option("sales")
    page.get_by_role("button", name="Save channel owners").click()
    expect(page.get_by_text("Channel owners saved (webinar → sales)")).to_be_visible()
    expect(page.get_by_label("Owner of webinar")).to_have_value("sales")

    add_target(page, "MQL → SQL (%)", "≥ at least", "30 %")
    add_target(page, "Leads", "≥ at least", "4")
    expect(page.get_by_label("Target for MQL → SQL", exact=True)).to_have_value("30 %")
    # A mistake is explained beside the value and changes nothing.
    page.get_by_label("Target for Leads", exact=True).fill("lots")
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_text("'lots' is not a number (e.g. 12).")).to_be_visible()
    screenshot(page, "settings-admin-error")
    page.goto(workspace.url("/settings/"))
    screenshot(page, "settings-admin")

    with schema_context(workspace.schema_name):
        assert dict(ChannelOwnership.objects.values_list("source", "team")) == {"webinar": "sales"}
        assert kpi_targets_stored() == {
            "mql_to_sql_rate": (">=", Decimal("0.3")),
            "leads": (">=", Decimal("4")),
        }

    page.goto(workspace.url("/"))
    # 1 SQL of 4 MQLs = 25.0 %, under 30 %; 4 leads meet ≥ 4.
    mql_to_sql = page.locator(".metric", has=page.get_by_role("heading", name="MQL → SQL"))
    expect(mql_to_sql).to_contain_text("25.0%")
    expect(mql_to_sql).to_contain_text("≥ 30.0%")
    expect(mql_to_sql).to_contain_text("✗ missed")
    screenshot(page, "settings-dashboard-targets")
    page.goto(workspace.url("/funnel/"))
    leads = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Leads"))
    expect(leads.first).to_contain_text("✓ met")

    phone = new_page(viewport=PHONE)
    sign_in(phone, admin, workspace)
    phone.goto(workspace.url("/settings/"))
    expect(phone.get_by_label("Target for MQL → SQL", exact=True)).to_be_visible()
    screenshot(phone, "settings-phone")
    assert no_horizontal_overflow(phone)
