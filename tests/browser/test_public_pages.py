"""Pages seen before or without a workspace: unknown hosts, suspended workspaces, small screens."""

from playwright.sync_api import expect

from tenants import provisioning
from tests.browser.conftest import add_person


def test_unknown_host_shows_a_styled_not_found_page(page, live_app, screenshot):
    port = live_app.rsplit(":", 1)[1]
    response = page.goto(f"http://nobody-here.localhost:{port}/login/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("There is no workspace at this address.")).to_be_visible()
    # The page's stylesheet is served too, whatever the host.
    expect(page.locator(".card")).to_have_css("background-color", "rgb(255, 255, 255)")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "unknown-host")


def test_suspended_workspace_shows_the_suspended_page_to_a_signed_in_member(
    page, new_page, workspace_factory, sign_in, screenshot
):
    suspended = workspace_factory(name="Paused Co")
    admin = add_person(suspended, "pat@paused.test", "admin")
    sign_in(page, admin, suspended)

    provisioning.workspace_suspend(workspace=suspended.workspace)
    response = page.goto(suspended.url("/members/"))
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Workspace suspended")).to_be_visible()
    expect(page.get_by_text("pat@paused.test")).to_have_count(0)
    screenshot(page, "suspended")
    # A first visit (nothing cached) gets the stylesheet despite the suspension.
    visitor = new_page()
    visitor.goto(suspended.url("/login/"))
    expect(visitor.get_by_role("heading", name="Workspace suspended")).to_be_visible()
    expect(visitor.locator(".card")).to_have_css("background-color", "rgb(255, 255, 255)")

    provisioning.workspace_resume(workspace=suspended.workspace)
    page.goto(suspended.url("/members/"))
    expect(page.get_by_role("cell", name="pat@paused.test")).to_be_visible()


def test_login_page_fits_a_phone_without_horizontal_scrolling(
    new_page, browser_workspace, screenshot
):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(browser_workspace.url("/login/"))
    expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
    widths = phone.evaluate(
        "() => ({page: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert widths["view"] == 390
    assert widths["page"] <= widths["view"], widths
    field = phone.get_by_label("Email").bounding_box()
    assert field is not None and field["x"] >= 0 and field["x"] + field["width"] <= 390
    screenshot(phone, "login-phone")


def test_signed_in_pages_fit_a_phone_without_horizontal_scrolling(
    new_page, browser_workspace, browser_admin, sign_in, screenshot
):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(phone, browser_admin)
    for path, name in (("/", "dashboard-phone"), ("/members/", "members-phone")):
        phone.goto(browser_workspace.url(path))
        expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
        page_width = phone.evaluate("() => document.documentElement.scrollWidth")
        screenshot(phone, name)
        assert page_width <= 390, (path, page_width)


def test_an_inline_script_is_refused_and_the_harness_reports_it(browser, browser_workspace):
    """The policy has teeth, and every browser test fails on what it refuses."""
    from .conftest import watch_for_errors

    context = browser.new_context()
    try:
        errors = watch_for_errors(context)
        page = context.new_page()
        page.goto(browser_workspace.url("/login/"))
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.injected = true"; document.body.append(s); }"""
        )
        page.wait_for_function("() => true")
        assert page.evaluate("() => window.injected === undefined")
        assert any("CSP violation: script-src" in error for error in errors), errors
    finally:
        context.close()


def test_api_docs_work_offline_under_the_policy(page, browser_workspace, browser_admin, sign_in):
    """Swagger UI comes from the static files (no CDN) and starts from a file, not inline."""
    sign_in(page, browser_admin)
    page.goto(browser_workspace.url("/api/v1/docs/"))
    expect(page.get_by_text("smarketing API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/kpis/").first).to_be_visible()
