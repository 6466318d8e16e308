"""Browser tests: a real headless Chromium (Debian's package, driven by Playwright) against a
live server on the test database.

pytest-django's `live_server` needs `transactional_db`, whose flush would truncate the public
tables (the workspaces themselves), so this module starts its own threaded WSGI server and
gives the browser a workspace of its own whose data is committed: the server's threads use their
own database connections and only see committed rows. See docs/testing.md.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tenants import provisioning
from tests.conftest import PASSWORD, make_user

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No GPU, no network of its own (updates, sync, QUIC probes): only our server is reached.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WORKSPACE_SLUG = "browser"
WORKSPACE_HOST = "browser.localhost"
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test under tests/browser/ is a `browser` test, so `-m browser` selects them."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@contextmanager
def committed_database(django_db_blocker) -> Iterator[None]:
    """Database access outside pytest-django's rolled-back transaction: rows are committed.

    pytest-django's blocker is process-wide, so unblocking also lets the server threads reach
    the database. Playwright's sync API leaves an event loop marked as running in this thread,
    which makes Django refuse queries here as "async unsafe"; no coroutine shares this
    connection, so Django's documented opt-out is safe, and it is scoped to this block.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with django_db_blocker.unblock():
            try:
                yield
            finally:
                # Django keys connections by context (asgiref's Local), and with Playwright
                # running this thread was seen holding two: close the one used here, so none
                # is left open to block dropping the test database.
                connection.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def db(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Overrides pytest-django's `db` here: committed access, no rolled-back transaction.

    The server's threads have their own connections and only see committed rows. Keeping the
    name `db` also tells pytest-django these tests need the test database set up.
    Clean up what a test adds, or use unique values; never create alpha's alice/bob here.
    """
    with committed_database(django_db_blocker):
        yield


class _RequestHandler(QuietWSGIRequestHandler):
    def handle_one_request(self) -> None:
        # A browser keeps its connections alive, and each keeps a server thread with its own
        # database connection; closing it after every request lets the test database be
        # dropped at the end of the test session.
        try:
            super().handle_one_request()
        finally:
            connections.close_all()


class _AppServerThread(LiveServerThread):
    """Django's live-server thread serving the app exactly as deployed: static files come
    through WhiteNoise (from the finders in test settings), behind the routing middleware."""

    def __init__(self) -> None:
        super().__init__("127.0.0.1", static_handler=lambda handler: handler)

    def _create_server(self, connections_override=None):
        return self.server_class((self.host, self.port), _RequestHandler, allow_reuse_address=False)


@pytest.fixture(scope="package")
def live_app(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The running app's address, e.g. "http://127.0.0.1:41234"; one server for all browser
    tests (package scope: it stops after the last of them)."""
    thread = _AppServerThread()
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    # Links in emails carry the configured port (never the request's): this server's.
    from django.conf import settings

    previous_port = settings.WORKSPACE_URL_PORT
    settings.WORKSPACE_URL_PORT = str(thread.port)
    yield f"http://127.0.0.1:{thread.port}"
    settings.WORKSPACE_URL_PORT = previous_port
    with committed_database(django_db_blocker):
        thread.terminate()


@dataclass(frozen=True)
class LiveWorkspace:
    workspace: object
    host: str
    port: int

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    @property
    def schema_name(self) -> str:
        return self.workspace.schema_name  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Person:
    email: str
    role: str
    password: str = PASSWORD


def _port(live_app: str) -> int:
    return int(live_app.rsplit(":", 1)[1])


@pytest.fixture(scope="package")
def browser_workspace(live_app, django_db_blocker) -> Iterator[LiveWorkspace]:
    """The committed workspace `browser` at browser.localhost, with an admin and a viewer.

    Chromium resolves every *.localhost name to 127.0.0.1, so the host reaches the live server.
    Tests that add rows should use unique values (or a `workspace_factory` workspace).
    """
    with committed_database(django_db_blocker):
        workspace = provisioning.workspace_create(
            slug=WORKSPACE_SLUG, name="Browser Co", domain=WORKSPACE_HOST
        )
        make_user(workspace, "ada@browser.test", "admin", "leadership")
        make_user(workspace, "vic@browser.test", "viewer", "sales")
    yield LiveWorkspace(workspace=workspace, host=WORKSPACE_HOST, port=_port(live_app))
    with committed_database(django_db_blocker):
        provisioning.workspace_delete(workspace=workspace)


@pytest.fixture
def browser_admin(browser_workspace) -> Person:
    return Person("ada@browser.test", "admin")


@pytest.fixture
def browser_viewer(browser_workspace) -> Person:
    return Person("vic@browser.test", "viewer")


@pytest.fixture
def workspace_factory(live_app) -> Iterator[Callable[..., LiveWorkspace]]:
    """Make extra committed workspaces for one test (deleted after it): isolation, suspension."""
    created = []

    def make(name: str = "Other Co") -> LiveWorkspace:
        slug = f"b{uuid.uuid4().hex[:10]}"
        workspace = provisioning.workspace_create(slug=slug, name=name, domain=f"{slug}.localhost")
        created.append(workspace)
        return LiveWorkspace(workspace=workspace, host=f"{slug}.localhost", port=_port(live_app))

    yield make
    connection.set_schema_to_public()
    for workspace in created:
        provisioning.workspace_delete(workspace=workspace)


def add_person(workspace: LiveWorkspace, email: str, role: str, team: str = "marketing") -> Person:
    """A committed user in `workspace`, ready for `sign_in`."""
    make_user(workspace.workspace, email, role, team)
    connection.set_schema_to_public()
    return Person(email, role)


@pytest.fixture(scope="package")
def browser(live_app) -> Iterator[Browser]:
    """One Chromium for all browser tests; Playwright gives it a fresh temporary profile.

    While Playwright runs, Django takes this thread for an async one and refuses its queries
    outside `committed_database`: so Chromium starts after the database setup (`live_app`)
    and stops with the last browser test (package scope), before the rest of the suite.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# Reported by the page itself, so that a violation fails the test whatever Chromium logs.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


@pytest.fixture
def allowed_console_errors() -> list[str]:
    """Substrings of console errors a test expects (e.g. the 404 of a page it opens on purpose);
    any other console error, uncaught exception or CSP violation fails the test."""
    return []


def watch_for_errors(context) -> list[str]:
    """Collect the console errors, uncaught exceptions and CSP violations of the pages of
    `context` (opened after this call) into the returned list."""
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    errors: list[str] = []
    # Pages opened on purpose that answer an error (404, 403, 410): Chromium logs their status.
    error_documents: set[str] = set()

    def on_response(response) -> None:
        if response.request.resource_type == "document" and response.status >= 400:
            error_documents.add(response.url)

    def on_console(message) -> None:
        url = message.location.get("url")
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and url in error_documents:
            return
        errors.append(f"console error on {url}: {message.text}")

    def on_page(page) -> None:
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"uncaught exception: {error}"))

    context.on("page", on_page)
    return errors


@pytest.fixture
def new_page(browser, allowed_console_errors) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts (own cookies): `new_page()` or `new_page(viewport=...)`.

    Every console error, uncaught exception and Content-Security-Policy violation of these
    pages fails the test when it ends.
    """
    contexts = []
    errors: list[str] = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        watched = watch_for_errors(context)
        page = context.new_page()
        errors_of_contexts.append(watched)
        return page

    errors_of_contexts: list[list[str]] = []
    yield open_page
    for context in contexts:
        context.close()
    errors = [error for watched in errors_of_contexts for error in watched]
    unexpected = [
        error for error in errors if not any(allowed in error for allowed in allowed_console_errors)
    ]
    assert not unexpected, "the pages reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def page(new_page) -> Page:
    """A page in a fresh browser context (no cookies), 1280×800."""
    return new_page(viewport={"width": 1280, "height": 800})


def sign_in_through_form(page: Page, workspace: LiveWorkspace, person: Person) -> None:
    """Sign in through the real login form and wait for the dashboard."""
    page.goto(workspace.url("/login/"))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(workspace.url("/"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def sign_in(browser_workspace) -> Callable[..., None]:
    """`sign_in(page, person)` on the browser workspace, or `sign_in(page, person, workspace)`."""

    def sign_in_on(page: Page, person: Person, workspace: LiveWorkspace | None = None) -> None:
        sign_in_through_form(page, workspace or browser_workspace, person)

    return sign_in_on


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """`screenshot(page, "members-admin")` saves test-artifacts/screenshots/members-admin.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
