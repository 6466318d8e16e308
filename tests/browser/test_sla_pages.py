"""The agreements in a browser, on a demo workspace: the SLA list and one SLA's history, the
overdue MQLs, the glossary both teams signed, the inbox, and the rejection and loss pages with
their reason lists, at 1440×900 and 390×844: charts drawn, no console error or CSP violation
(the browser conftest watches every page), nothing wider than the viewport, zero axe-core WCAG
2.1 A/AA violations, no reference to a missing id, no card scrolling sideways, no border under
3:1, every scroll wrapper named (the cockpit test's checks). Screenshots land in
test-artifacts/screenshots/slas-*.png.
"""

import tempfile

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from smarketing.dashboard.demo import (
    demo_glossary_seed,
    demo_reasons_seed,
    demo_slas_seed,
)
from smarketing.funnel.services import demo_data_import
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import JobStatus, KpiSnapshotJob
from smarketing.slas.models import Sla
from surveys.demo import survey_demo_seed
from tenants import provisioning
from tests.browser.conftest import LiveWorkspace, _port, committed_database
from tests.browser.test_cockpit import (
    LAPTOP,
    PHONE,
    page_problems,
    sign_in,
)

ADMIN = ("admin@slapages.test", "demo-admin-pass")
PAGES = {
    "list": "/slas/",
    "detail": "/slas/{sla_id}/",
    "breaches": "/slas/breaches/?kind=response&since=all",
    "glossary": "/glossary/",
    "inbox": "/notifications/",
    "reasons": "/reasons/",
    "reason-lists": "/reasons/lists/",
}


@pytest.fixture(scope="module")
def demo(live_app, django_db_blocker):
    """A demo workspace as `make run` fills it (fewer leads), with its snapshots computed."""
    with committed_database(django_db_blocker):
        workspace = provisioning.workspace_create(
            slug="slapages", name="Demo Company", domain="slapages.localhost",
            admin=provisioning.AdminAccount(*ADMIN),
        )  # fmt: skip
        with schema_context(workspace.schema_name), tempfile.TemporaryDirectory() as folder:
            demo_reasons_seed()
            demo_data_import(directory=folder, leads=1500)
            survey_demo_seed()
            demo_slas_seed()
            demo_glossary_seed()
            for job in KpiSnapshotJob.objects.filter(status=JobStatus.QUEUED):
                kpi_services.kpi_snapshot_refresh(job=job)
            ids = {"sla_id": Sla.objects.get(name="MQLs delivered").pk}
        connection.set_schema_to_public()
    yield LiveWorkspace(workspace, "slapages.localhost", _port(live_app)), ids
    with committed_database(django_db_blocker):
        provisioning.workspace_delete(workspace=workspace)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_agreement_pages_draw_fit_and_pass_axe(demo, new_page, screenshot, viewport):
    workspace, ids = demo
    page = new_page(viewport=viewport, accept_downloads=True)
    sign_in(page, workspace, *ADMIN)
    problems = []
    for name, path in PAGES.items():
        response = page.goto(workspace.url(path.format(**ids)))
        assert response is not None and response.status == 200, (path, response)
        problems += page_problems(page, path)
        screenshot(page, f"slas-{name}-{viewport['width']}")
    assert problems == [], "\n".join(problems)


def test_reasons_page_shows_why_mqls_come_back_and_maps_a_value(demo, new_page):
    workspace, _ = demo
    page = new_page(viewport=LAPTOP, accept_downloads=True)
    sign_in(page, workspace, *ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reasons").click()
    expect(page.get_by_role("heading", name="Why sales sends MQLs back")).to_be_visible()
    assert page.locator("canvas").count() == 5
    with page.expect_download() as csv_file:
        page.get_by_role("link", name="CSV of Rejected MQLs by reason").click()
    assert csv_file.value.suggested_filename.startswith("reasons-rejections-by-reason-")
    page.get_by_role("link", name="still to map").first.click()
    row = page.get_by_role("row").filter(has_text="Bad timing - back to nurturing")
    row.get_by_role("combobox").select_option(label="Bad timing")
    row.get_by_role("button", name="Map").click()
    expect(page.locator(".messages")).to_contain_text("now counts as")
    expect(page.get_by_role("row").filter(has_text="Bad timing - back to nurturing")).to_have_count(
        1  # now listed as a spelling of "Bad timing", no longer as a value to map
    )
