"""Issue 3's "done when", as a person does it: CRM exports uploaded on /data/ (dropped and
chosen), the import run by a real Celery worker, the progress bar watched to 100 %, the rows
found in the product; a bad file's report; a viewer's history; the pages on a phone."""

import csv
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from smarketing.celery import app
from smarketing.funnel import services
from smarketing.funnel.models import Deal, ImportJob, ImportStatus, Lead
from smarketing.funnel.tasks import import_jobs_stale_task
from tests.funnel.conftest import start_worker

FIXTURES = Path(__file__).parents[1] / "funnel" / "fixtures"
PHONE = {"width": 390, "height": 844}
# A worker runs an import of a few rows in well under a second; the page polls every second.
IMPORT_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def import_worker(live_app, tmp_path_factory):
    """A real `celery worker` for this module: the page enqueues the import on commit, on the
    default queue, and this worker (test database, same media folder as the live server) runs it.
    """
    media = tmp_path_factory.mktemp("media")
    queue = f"test-browser-imports-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    with override_settings(MEDIA_ROOT=media):
        worker = start_worker(queue, media, visibility_timeout=3600)
        app.conf.task_default_queue = queue
        try:
            yield worker
        finally:
            app.conf.task_default_queue = previous_queue
            worker.terminate()
            worker.wait(timeout=20)


def drop_file(page: Page, selector: str, name: str, text: str) -> None:
    """Drag a file over the drop zone and drop it, as a browser does with a desktop file."""
    transfer = page.evaluate_handle(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, { type: "text/csv" }));
            return transfer;
        }""",
        [name, text],
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


# Every width the import page's progress bar shows, as rendered and as its polling changes it,
# kept in the tab's sessionStorage so the list survives the reload when the import finishes.
RECORD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("import-bar");
  if (!bar) return;
  const log = () => {
    const seen = JSON.parse(sessionStorage.getItem("progress") || "[]");
    seen.push(parseInt(bar.style.width, 10));
    sessionStorage.setItem("progress", JSON.stringify(seen));
  };
  log();
  new MutationObserver(log).observe(bar, { attributes: true, attributeFilter: ["style"] });
});
"""


def record_progress(page: Page) -> None:
    """From now on, remember what the progress bar shows (see `watch_import`)."""
    page.add_init_script(RECORD_PROGRESS)


def watch_import(page: Page, status: str) -> list[int]:
    """Wait on the import page until the bar is full and the status is `status`.

    Returns the widths (%) the bar showed, from the first render to the last.
    """
    expect(page.locator("#import-status")).to_have_text(status, timeout=IMPORT_TIMEOUT_MS)
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#import-bar")).to_have_attribute("style", "width: 100%")
    expect(page.locator("#import-percent")).to_have_text("100 %")
    return page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")


def fetch_text(page: Page, url: str) -> str:
    """GET `url` from the page, with its cookies (Chromium resolves *.localhost, Node does not)."""
    return page.evaluate(
        """async (url) => {
            const response = await fetch(url);
            if (!response.ok) throw new Error(url + ": " + response.status);
            return response.headers.get("content-type") + "\\n" + (await response.text());
        }""",
        url,
    )


def count(page: Page, label: str) -> str:
    return page.locator(f"dt:text-is('{label}') + dd").inner_text()


def overflowing(page: Page) -> list[str]:
    """Elements whose box reaches past the viewport's right edge (clipped or scrolled)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((el) => el.tagName + (el.id ? "#" + el.id : "") + "." + el.className)"""
    )


def test_admin_drops_a_hubspot_contacts_export_and_finds_the_contacts(
    page, browser_workspace, browser_admin, sign_in, screenshot, import_worker
):
    record_progress(page)
    sign_in(page, browser_admin)
    page.goto(browser_workspace.url("/data/"))
    expect(page.get_by_text("(up to 200 MB)")).to_be_visible()
    name = "hubspot_contacts_became_dates.csv"
    drop_file(page, "#dropzone", name, (FIXTURES / name).read_text())
    expect(page.locator("#dropzone-name")).to_have_text(f" — {name}")
    expect(page.locator("#dropzone")).not_to_have_class("dropzone dragging")
    screenshot(page, "import-dropped")
    page.get_by_role("button", name="Import").click()  # kind and format: from the header

    page.wait_for_url("**/data/imports/*/")
    started = time.monotonic()
    shown = watch_import(page, "Succeeded")
    elapsed = time.monotonic() - started
    assert shown[-1] == 100 and shown == sorted(shown), shown  # it only moves forward
    screenshot(page, "import-hubspot-succeeded")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("leads, hubspot format")).to_be_visible()
    assert (count(page, "Rows read"), count(page, "Stored"), count(page, "Errors")) == (
        "3",
        "3",
        "0",
    )
    print(f"hubspot import watched for {elapsed:.1f} s; the bar showed {shown} %")

    content_type, *lines = fetch_text(
        page, browser_workspace.url("/data/export/leads.csv")
    ).splitlines()
    assert content_type.startswith("text/csv")
    assert lines[0].startswith("lead_id,created_at,source,")
    by_id = {line.split(",")[0]: line for line in lines[1:]}
    assert {"101", "102", "103"} <= set(by_id)
    assert by_id["101"].split(",")[2] == "organic_search"
    with schema_context(browser_workspace.schema_name):
        assert Lead.objects.get(lead_id="102").rejection_reason == "Unqualified"


def test_admin_names_the_lost_reason_field_then_chooses_a_salesforce_opportunities_export(
    page, browser_workspace, browser_admin, sign_in, screenshot, import_worker
):
    sign_in(page, browser_admin)
    page.goto(browser_workspace.url("/data/mappings/deals/salesforce/"))
    page.get_by_label("lost_reason").fill("Loss_Reason__c")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Column names saved for deals (salesforce).")).to_be_visible()

    record_progress(page)
    page.goto(browser_workspace.url("/data/"))
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Drop a CSV file here").click()
    chooser.value.set_files(FIXTURES / "salesforce_opportunities_api_names.csv")
    page.get_by_label("Kind").select_option("deals")
    page.get_by_label("Format").select_option("salesforce")
    page.get_by_role("button", name="Import").click()

    page.wait_for_url("**/data/imports/*/")
    shown = watch_import(page, "Succeeded")
    print(f"salesforce import: the bar showed {shown} %")
    screenshot(page, "import-salesforce-succeeded")
    assert (count(page, "Rows read"), count(page, "Stored")) == ("3", "3")

    _, header_line, *lines = fetch_text(
        page, browser_workspace.url("/data/export/deals.csv")
    ).splitlines()
    rows = {line.split(",")[0]: line.split(",") for line in lines}
    header = header_line.split(",")
    lost = dict(zip(header, rows["0065e000002EEEEAA1"], strict=True))
    assert (lost["status"], lost["amount"], lost["lost_reason"]) == ("lost", "4000", "Price")
    with schema_context(browser_workspace.schema_name):
        assert Deal.objects.get(deal_id="0065e000002BBBBAA1").status == "won"


def test_a_bad_file_gets_a_report_to_act_on_and_its_rejected_rows_download(
    page, browser_workspace, browser_admin, sign_in, screenshot, import_worker
):
    tag = uuid.uuid4().hex[:6]
    content = (
        "lead_id,created_at,source\n"
        f"OK-{tag},2025-01-01,web\n"
        f"BAD-{tag},yesterday,email\n"
        f"NOSRC-{tag},2025-01-03,\n"
    )
    sign_in(page, browser_admin)
    page.goto(browser_workspace.url("/data/"))
    drop_file(page, "#dropzone", f"leads-{tag}.csv", content)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/data/imports/*/")
    watch_import(page, "Rejected")
    screenshot(page, "import-rejected")

    expect(page.get_by_text("Nothing was stored.")).to_be_visible()
    problems = page.locator("ul.problems li").all_inner_texts()
    assert any(text.startswith("row 3, column created_at: ") for text in problems), problems
    assert any(text.startswith("row 4, column source: ") for text in problems), problems
    assert count(page, "Rejected") == "2"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    with open(download.value.path(), newline="") as handle:
        rejected = list(csv.reader(handle))
    assert download.value.suggested_filename.endswith("-rejected-rows.csv")
    assert rejected[0] == ["row", "lead_id", "created_at", "source", "problems"]
    assert rejected[1][:4] == ["3", f"BAD-{tag}", "yesterday", "email"]
    assert rejected[1][4].startswith('created_at: "yesterday" is not an ISO 8601 date')
    assert rejected[2][:4] == ["4", f"NOSRC-{tag}", "2025-01-03", ""]
    assert rejected[2][4].startswith("source: ")
    assert len(rejected) == 3
    with schema_context(browser_workspace.schema_name):
        assert not Lead.objects.filter(lead_id__endswith=tag).exists()


def test_a_viewer_sees_the_history_but_no_upload_form(
    new_page, browser_workspace, browser_viewer, sign_in, screenshot, import_worker
):
    name = f"viewer-{uuid.uuid4().hex[:6]}.csv"
    with schema_context(browser_workspace.schema_name):
        job = services.import_job_create(
            file=ContentFile(b"lead_id,created_at,source\nV1,2025-01-01,web\n"),
            file_name=name, kind="leads", file_format="canonical", enqueue=False,
        ).job  # fmt: skip
        services.import_job_run(job_id=job.pk)
    page = new_page(viewport=PHONE)
    sign_in(page, browser_viewer)
    page.goto(browser_workspace.url("/data/"))
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    expect(page.get_by_text(name)).to_be_visible()
    expect(page.get_by_role("heading", name="Import data")).to_have_count(0)
    expect(page.locator("input[type=file]")).to_have_count(0)
    assert overflowing(page) == []
    screenshot(page, "import-history-viewer-phone")
    page.get_by_role("link", name=job.created_at.strftime("%Y-%m-%d %H:%M")).first.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_import_pages_fit_a_phone(
    new_page, browser_workspace, browser_admin, sign_in, screenshot, import_worker
):
    with schema_context(browser_workspace.schema_name):
        rejected = ImportJob.objects.filter(status=ImportStatus.REJECTED).order_by("-pk").first()
        assert rejected is not None, "the bad-file test runs first and leaves its import"
    page = new_page(viewport=PHONE)
    sign_in(page, browser_admin)
    for name, path in (
        ("import-data-phone", "/data/"),
        ("import-detail-phone", f"/data/imports/{rejected.pk}/"),
        ("import-mapping-phone", "/data/mappings/deals/salesforce/"),
    ):
        page.goto(browser_workspace.url(path))
        assert overflowing(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        screenshot(page, name)


def test_an_import_whose_task_was_lost_is_run_by_the_stale_check(
    page, browser_workspace, browser_admin, sign_in, screenshot, import_worker, settings
):
    name = f"lost-{uuid.uuid4().hex[:6]}.csv"
    with schema_context(browser_workspace.schema_name):
        # Accepted and handed to the broker, which lost the message: no worker ever got it.
        lost = services.import_job_create(
            file=ContentFile(f"lead_id,created_at,source\n{name},2025-01-01,web\n".encode()),
            file_name=name, kind="leads", file_format="canonical", enqueue=False,
        ).job  # fmt: skip
        sent = timezone.now() - timedelta(seconds=services.import_stale_seconds() + 60)
        ImportJob.objects.filter(pk=lost.pk).update(created_at=sent, dispatched_at=sent)
    sign_in(page, browser_admin)
    page.goto(browser_workspace.url(f"/data/imports/{lost.pk}/"))
    expect(page.locator("#import-status")).to_have_text("Queued")
    with schema_context(browser_workspace.schema_name):
        import_jobs_stale_task.delay()  # what beat sends every minute, for this workspace
    watch_import(page, "Succeeded")
    screenshot(page, "import-lost-then-recovered")
    with schema_context(browser_workspace.schema_name):
        assert Lead.objects.filter(lead_id=name).exists()
        assert ImportJob.objects.get(pk=lost.pk).requeued_at is not None
