"""The dashboard as a signed-in member sees it, and the Chart.js it draws with."""

from playwright.sync_api import expect

CHART_JS = "/static/vendor/chart.js/chart.umd.min.js"


def test_dashboard_loads_without_console_errors(
    page, browser_workspace, browser_admin, sign_in, screenshot
):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

    sign_in(page, browser_admin)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Browser Co")).to_be_visible()
    page.wait_for_function("() => typeof window.Chart === 'function'")
    # An empty workspace charts nothing and says so; every canvas present carries a chart.
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => Boolean(Chart.getChart(c)))"
    )
    assert all(drawn)
    expect(page.get_by_text("No data to chart for this period.").first).to_be_visible()
    screenshot(page, "dashboard")
    assert problems == []
    assert failed == []


def test_chart_js_is_served_as_javascript_and_defines_chart(
    page, browser_workspace, allowed_console_errors
):
    # A file opened as a page: Chromium asks for /favicon.ico, which no workspace serves.
    allowed_console_errors.append("/favicon.ico")
    # Through the browser itself: Playwright's own HTTP client does not resolve *.localhost.
    response = page.goto(browser_workspace.url(CHART_JS))
    assert response is not None and response.status == 200
    assert "javascript" in response.headers["content-type"]

    page.goto(browser_workspace.url("/login/"))
    assert page.evaluate("() => typeof window.Chart") == "undefined"
    page.add_script_tag(url=CHART_JS)
    assert page.evaluate("() => typeof window.Chart") == "function"
    assert page.evaluate("() => Chart.version").startswith("4.")
