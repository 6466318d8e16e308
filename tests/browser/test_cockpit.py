"""The cockpit on a demo workspace, as people see it: every page at 1440×900 and 390×844 with
charts drawn, no console error or CSP violation, nothing wider than the viewport and zero
axe-core WCAG 2.1 A/AA violations; the period picker and source filter; the PDF and CSV.

One demo workspace (generated data, surveys, snapshots) is built once for this module.
Screenshots land in test-artifacts/screenshots/cockpit-*.png.
"""

import json
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from smarketing.dashboard.demo import demo_slas_seed, demo_team_logins
from smarketing.funnel.services import demo_data_import
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import JobStatus, KpiSnapshotJob
from surveys.demo import survey_demo_seed
from tenants import provisioning
from tests.browser.conftest import SCREENSHOTS, LiveWorkspace, _port, committed_database

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "overview": "/",
    "funnel": "/funnel/",
    "sources": "/sources/",
    "marketing": "/marketing/",
    "sales": "/sales/",
    "kpis": "/kpis/",
    "report": "/report/",
    "planner": "/kpis/planner/",
    "settings": "/settings/",
    "members": "/members/",
    "data": "/data/",
    "surveys": "/surveys/",
    "slas": "/slas/",
    "glossary": "/glossary/",
    "inbox": "/notifications/",
    # Forms: their help texts and errors are referenced by id.
    "sla-new": "/slas/new/",
    "sla-from-goal": "/slas/from-goal/",
    "breaches": "/slas/breaches/",
    "survey-new": "/surveys/new/",
    "glossary-new": "/glossary/new/",
}


@pytest.fixture(scope="module")
def demo(live_app, django_db_blocker):
    """A demo workspace as `make run` fills it (fewer leads), with its snapshots computed."""
    with committed_database(django_db_blocker):
        workspace = provisioning.workspace_create(
            slug="cockpit", name="Demo Company", domain="cockpit.localhost",
            admin=provisioning.AdminAccount("admin@cockpit.test", "demo-admin-pass"),
        )  # fmt: skip
        with schema_context(workspace.schema_name), tempfile.TemporaryDirectory() as folder:
            demo_data_import(directory=folder, leads=1500)
            survey_demo_seed()
            logins = demo_team_logins()
            demo_slas_seed()
            for job in KpiSnapshotJob.objects.filter(status=JobStatus.QUEUED):
                kpi_services.kpi_snapshot_refresh(job=job)
        connection.set_schema_to_public()
    yield LiveWorkspace(workspace, "cockpit.localhost", _port(live_app)), logins
    with committed_database(django_db_blocker):
        provisioning.workspace_delete(workspace=workspace)


@pytest.fixture
def watched(new_page):
    """`open(viewport)` → a page whose console errors, uncaught exceptions and CSP violations
    fail the test (the browser conftest's `new_page` watches every page it opens)."""

    def open_page(viewport) -> Page:
        return new_page(viewport=viewport, accept_downloads=True)

    return open_page


def sign_in(page: Page, workspace: LiveWorkspace, email: str, password: str) -> None:
    page.goto(workspace.url("/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(workspace.url("/"))


def axe_violations(page: Page) -> list[str]:
    # Evaluated through the DevTools protocol: not an inline script, so no CSP exception.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
            .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
    )
    return result


def broken_references(page: Page) -> list[str]:
    """ids named by aria-describedby, aria-labelledby, aria-controls or a label's `for` that no
    element carries, and the main navigation without exactly one `aria-current` page."""
    return page.evaluate(
        """() => { const missing = [];
        for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls'])
            for (const e of document.querySelectorAll(`[${attr}]`))
                for (const id of e.getAttribute(attr).split(/\\s+/).filter(Boolean))
                    if (!document.getElementById(id)) missing.push(`${attr}=${id}`);
        for (const label of document.querySelectorAll('label[for]'))
            if (!document.getElementById(label.htmlFor)) missing.push(`label for=${label.htmlFor}`);
        const current = document.querySelectorAll('nav[aria-label=Main] [aria-current=page]');
        if (current.length !== 1) missing.push(`${current.length} aria-current in the navigation`);
        return missing; }"""
    )


def weak_borders(page: Page) -> list[str]:
    """Inputs, selects, text areas, answer-scale boxes and filled buttons told from their
    surroundings by less than 3:1 (WCAG 1.4.11), by their border or their fill."""
    return page.evaluate(
        """() => {
        const rgb = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
            const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
            return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
        const lum = ({r, g, b}) => { const f = v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
        const ratio = (x, y) => { const a = lum(x), b = lum(y);
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
        const around = e => { for (let p = e.parentElement; p; p = p.parentElement) {
            const c = rgb(getComputedStyle(p).backgroundColor); if (c && c.a > 0.5) return c; }
            return {r: 255, g: 255, b: 255, a: 1}; };
        const selector = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio])'
            + ':not([type=file]), select, textarea, .scale span, button:not(.link)';
        return [...document.querySelectorAll(selector)].filter(e => {
            const box = e.getBoundingClientRect(), s = getComputedStyle(e);
            if (!box.width || !box.height || s.visibility === 'hidden') return false;
            const back = around(e), fill = rgb(s.backgroundColor), line = rgb(s.borderTopColor);
            const byFill = fill && fill.a > 0.5 ? ratio(fill, back) : 1;
            const byLine = parseFloat(s.borderTopWidth) > 0 && line ? ratio(line, back) : 1;
            return Math.max(byFill, byLine) < 3;
        }).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className); }"""
    )


def unnamed_scroll_wrappers(page: Page) -> list[str]:
    """Boxes that scroll their content (overflow auto or scroll) without a name to tell what
    they hold; cards are left out: they must not scroll at all (`cards_scrolling_sideways`)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *:not(.card):not(textarea):not(select)')]
            .filter(e => { const s = getComputedStyle(e);
                return ['auto', 'scroll'].includes(s.overflowX)
                    || ['auto', 'scroll'].includes(s.overflowY); })
            .filter(e => !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )


def cards_scrolling_sideways(page: Page) -> list[str]:
    """Cards whose content is wider than they are: clipped until someone scrolls the card (a
    table that must scroll does so in its own named, focusable wrapper)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.card')]
            .filter(card => card.scrollWidth > card.clientWidth + 1)
            .map(card => (card.querySelector('h1, h2, h3') || card).textContent.trim()
                .slice(0, 40))"""
    )


def wider_than_viewport(page: Page) -> list[str]:
    return page.evaluate(
        """() => { const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter(e => {
            const box = e.getBoundingClientRect();
            if (box.width === 0 || box.right <= width + 1) return false;
            // Inside a scroll container that fits, the overflow is the container's, on purpose.
            for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                const overflow = getComputedStyle(p).overflowX;
                if ((overflow === 'auto' || overflow === 'scroll')
                    && p.getBoundingClientRect().right <= width + 1) return false;
            }
            return true;
        });
        return (document.documentElement.scrollWidth > width ? ['document'] : [])
            .concat(wide.slice(0, 5).map(e => e.tagName + '.' + e.className)); }"""
    )


def page_problems(page: Page, path: str) -> list[str]:
    """What a page opened at `path` gets wrong: charts not drawn, wider than the viewport,
    broken references, cards scrolling sideways, weak borders, unnamed scroll wrappers, axe."""
    problems = []
    page.wait_for_load_state("networkidle")
    if page.locator("canvas").count():
        page.wait_for_function("() => typeof window.Chart === 'function'")
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('canvas')].every(c => Chart.getChart(c))"
        )
        if not drawn:
            problems.append(f"{path}: a canvas without a chart")
    checks = {
        "wider than the viewport": wider_than_viewport,
        "references to nothing": broken_references,
        "cards scrolling sideways": cards_scrolling_sideways,
        "borders under 3:1": weak_borders,
        "scroll wrappers without a name": unnamed_scroll_wrappers,
        "axe": axe_violations,
    }
    for problem, check in checks.items():
        if found := check(page):
            problems.append(f"{path}: {problem}: {found}")
    return problems


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_draws_fits_and_passes_axe(demo, watched, screenshot, viewport):
    workspace, _ = demo
    page = watched(viewport)
    sign_in(page, workspace, "admin@cockpit.test", "demo-admin-pass")
    problems = []
    page.goto(workspace.url("/surveys/"))
    # The survey pages of the demo: a closed pulse's results, the NPS result, a pulse to answer.
    surveys = {
        "survey-pulse-result": page.get_by_role("link", name="Alignment pulse").nth(1),
        "survey-nps": page.get_by_role("link", name="Customer NPS").first,
        "survey-answer": page.get_by_role("link", name="Answer now").first,
    }
    pages = {**PAGES, **{name: link.get_attribute("href") for name, link in surveys.items()}}
    for name, path in pages.items():
        response = page.goto(workspace.url(path))
        assert response is not None and response.status == 200, (path, response)
        problems += page_problems(page, path)
        screenshot(page, f"cockpit-{name}-{viewport['width']}")
    assert problems == [], "\n".join(problems)


def test_the_skip_link_comes_first_and_leads_to_the_content(demo, watched):
    workspace, _ = demo
    page = watched(LAPTOP)
    sign_in(page, workspace, "admin@cockpit.test", "demo-admin-pass")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))  # waits: the jump is not synchronous
    # The next Tab goes into the content, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_overview_answers_above_the_fold_on_a_laptop(demo, watched):
    workspace, _ = demo
    page = watched(LAPTOP)
    sign_in(page, workspace, "admin@cockpit.test", "demo-admin-pass")
    index = page.locator(".index-value")
    expect(index).to_be_visible()
    assert float(index.inner_text()) > 0
    # The answer and its reasons are in the first screen: no scrolling needed.
    first_screen = (
        index,
        page.locator(".answer").first,
        page.locator(".reasons li").first,
        page.locator("table.components"),
        page.get_by_role("heading", name="SLA status"),
    )
    for locator in first_screen:
        box = locator.bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], locator
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "cockpit-overview-first-screen.png"))


def test_period_and_source_filter_stay_in_the_url_and_the_navigation(demo, watched):
    workspace, _ = demo
    page = watched(LAPTOP)
    sign_in(page, workspace, "admin@cockpit.test", "demo-admin-pass")
    month = page.get_by_label("Month", exact=True).input_value()
    page.get_by_label("Period", exact=True).select_option("quarter")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Quarter", exact=True)).to_be_visible()
    quarter = page.get_by_label("Quarter", exact=True).input_value()
    assert quarter.startswith(month[:4]) and "-Q" in quarter and f"period={quarter}" in page.url
    page.get_by_label("Source", exact=True).select_option("paid_search")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]source=paid_search"))
    expect(page.get_by_role("heading", name="Shared metrics")).to_contain_text("paid_search")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funnel").click()
    expect(page).to_have_url(re.compile(r"/funnel/\?.*source=paid_search"))
    assert f"period={quarter}" in page.url
    expect(page.get_by_role("link", name="Funnel")).to_have_attribute("aria-current", "page")
    # A custom range shows its dates, computed once and kept.
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("From", exact=True).fill(f"{quarter[:4]}-01-01")
    page.get_by_label("To (not included)").fill(f"{quarter[:4]}-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".period-note")).to_contain_text(
        f"[{quarter[:4]}-01-01, {quarter[:4]}-03-01)"
    )


def test_report_pdf_and_a_chart_csv_download(demo, watched, tmp_path):
    workspace, _ = demo
    page = watched(LAPTOP)
    sign_in(page, workspace, "admin@cockpit.test", "demo-admin-pass")
    page.goto(workspace.url("/report/"))
    quarter = page.get_by_label("Quarter", exact=True).input_value()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    path = tmp_path / "report.pdf"
    pdf.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Demo Company" in text and quarter in text and "Revenue" in text
    with page.expect_download() as body:
        page.get_by_role("link", name="JSON").click()
    assert set(json.loads(Path(body.value.path()).read_text())) >= {"kpis", "alignment_index"}
    page.goto(workspace.url("/sources/"))
    with page.expect_download() as csv_file:
        page.get_by_role("link", name="CSV of Revenue by source").click()
    lines = Path(csv_file.value.path()).read_text().splitlines()
    assert lines[0] == "source,Revenue" and len(lines) > 3


def test_team_members_of_the_demo_can_sign_in(demo, watched):
    workspace, logins = demo
    assert {team for team, _, _ in logins} == {"marketing", "sales"}
    for team, email, password in logins:
        page = watched(PHONE)
        sign_in(page, workspace, email, password)
        expect(page.locator(".who")).to_contain_text(team.title())
