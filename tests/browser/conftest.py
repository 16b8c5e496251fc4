"""Browser fixtures: the real app on a loopback port, driven by the system Chromium.

One server per test session runs the app with the werkzeug server in a thread,
on its own freshly migrated SQLite file (also when TEST_DATABASE_URL is set:
the browser suite checks pages, not the database engine), with real time
rather than the frozen clock of the other tests. Its data is made relative to
the real current date.

Every test gets a new browser context whose requests to any host other than
127.0.0.1 are aborted and recorded, so no test sends traffic off the machine.
Console errors, page errors, dialogs, CSP violations and 5xx responses are
recorded too; after each test all of them must be empty unless the test
consumed what it expected (``browser_log.clear()``).

Chromium is /usr/bin/chromium (``make test`` installs it when run as root);
a browser is never downloaded. Without it the tests skip loudly, and fail
when CI=true.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, Response, got_request_exception
from sqlalchemy import select
from werkzeug.serving import make_server

from app import clock
from app.auth.services import create_user
from app.campaign.cli import DEFAULT_STATEMENT_PATH
from app.campaign.services import parse_statement_file
from app.extensions import db
from app.models import Role, User, Venue
from tests.conftest import _upgrade, make_app
from tests.factories import make_event

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # reported by the ``browser`` fixture
    PlaywrightError = Exception  # type: ignore[assignment,misc]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOOPBACK = "127.0.0.1"
BERLIN = "Embassy of Iran, Berlin"
BERLIN_ZONE = ZoneInfo("Europe/Berlin")
ADMIN_EMAIL = "admin@example.org"
ORGANIZER_EMAIL = "organizer@example.org"
PASSWORD = "correct horse battery staple"
SAMPLE_TITLE = "Vigil for the prisoners"
HOSTILE_TITLES = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "\"'><svg onload=alert(3)>",
    "تجمع برای آزادی همه‌ی زندانیان",
)
# Reports CSP violations to the test through a Playwright binding (not subject
# to the page's CSP) and keeps them on window for checks within one page.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const info = {directive: event.effectiveDirective, blocked: event.blockedURI,
                sample: event.sample, page: event.documentURI};
  window.__cspViolations.push(info);
  window.__vigilCspViolation(info);
});
"""

_missing_browser: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def next_saturday(today: date) -> date:
    """The first Saturday after ``today`` (a week later if today is a Saturday)."""
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def berlin_today() -> date:
    return datetime.now(BERLIN_ZONE).date()


@dataclass
class Site:
    """The running server and the data it was seeded with."""

    base_url: str
    statement_title: str
    sample_slug: str
    hostile: dict[str, tuple[int, str]]  # title -> (event id, slug)
    server_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@dataclass
class BrowserLog:
    """What the browser did that a test must account for."""

    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    csp_violations: list[dict[str, Any]] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[Any]]:
        """The non-empty recordings, by kind."""
        return {name: values for name, values in vars(self).items() if values}

    def assert_clean(self, where: str = "") -> None:
        problems = self.problems()
        assert not problems, f"browser recorded problems {where}: {problems}"

    def clear(self) -> None:
        for values in vars(self).values():
            values.clear()


def _seed_event(
    organizer: User, venue: Venue, title: str, day: date, *, description: str = ""
) -> tuple[int, str]:
    event = make_event(
        venue,
        organizer=organizer,
        title=title,
        description=description,
        starts_local=datetime.combine(day, time(18, 0)),
        duration=timedelta(minutes=90),
        commit=False,
    )
    return event.id, event.slug


def _seed(app: Flask) -> tuple[str, dict[str, tuple[int, str]]]:
    """Missions, the statement, an admin, an organizer and published events."""
    runner = app.test_cli_runner()
    for command in (["venues", "import"], ["statement", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        create_user(email=ADMIN_EMAIL, display_name="Admin", password=PASSWORD, role=Role.ADMIN)
        organizer = create_user(email=ORGANIZER_EMAIL, display_name="Organizer", password=PASSWORD)
        venue = db.session.scalars(select(Venue).where(Venue.name == BERLIN)).one()
        day = berlin_today() + timedelta(days=3)
        _, sample_slug = _seed_event(
            organizer, venue, SAMPLE_TITLE, day, description="Bring *candles* and photos."
        )
        hostile = {title: _seed_event(organizer, venue, title, day) for title in HOSTILE_TITLES}
        db.session.commit()
        db.session.remove()
    return sample_slug, hostile


def _add_test_routes(app: Flask) -> None:
    """Pages that only exist here, to prove the CSP blocks what it should (T16)."""

    def inline_script() -> Response:
        return Response("<!doctype html><title>t</title><script>window.ran = 1</script>")

    def inline_handler() -> Response:
        return Response(
            '<!doctype html><title>t</title><img alt="" src="data:," onerror="window.ran = 1">'
        )

    app.add_url_rule("/__test/inline-script", "test_inline_script", inline_script)
    app.add_url_rule("/__test/inline-handler", "test_inline_handler", inline_handler)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a random free loopback port, seeded, until the session ends."""
    clock.freeze(None)
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'vigil.db'}"
    _upgrade(url)
    app = make_app(
        url,
        SECURE_COOKIES=False,  # plain http on 127.0.0.1
        REDIS_URL=None,  # the server's rate-limit counters stay in its own memory
        # Several tests sign in within a minute; the login limits have their own tests.
        LOGIN_RATE_LIMIT="100 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="100 per minute",
    )
    _add_test_routes(app)
    sample_slug, hostile = _seed(app)
    server_errors: list[str] = []

    def record_exception(sender: Flask, exception: BaseException, **extra: Any) -> None:
        server_errors.append(repr(exception))

    got_request_exception.connect(record_exception, app)
    server = make_server(LOOPBACK, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="vigil-browser-server", daemon=True)
    thread.start()
    try:
        yield Site(
            base_url=f"http://{LOOPBACK}:{server.server_port}",
            statement_title=parse_statement_file(DEFAULT_STATEMENT_PATH).title,
            sample_slug=sample_slug,
            hostile=hostile,
            server_errors=server_errors,
        )
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        got_request_exception.disconnect(record_exception, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium, headless; skipped loudly (failed under CI=true) if absent."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} is missing (make test installs it as root)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _no_browser(reason: str) -> NoReturn:
    message = f"BROWSER TESTS NOT RUN: {reason}."
    _missing_browser.append(message)
    if _in_ci():
        pytest.fail(message + " CI=true, so this is a failure.", pytrace=False)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it loudly at the end of the run when the browser tests were skipped."""
    if _missing_browser:
        terminalreporter.section("browser tests not run", sep="!", red=True, bold=True)
        terminalreporter.write_line(_missing_browser[0], red=True, bold=True)


@pytest.fixture(autouse=True)
def _real_time() -> None:
    # Other test modules freeze app.clock; the browser server runs on real time.
    clock.freeze(None)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


def _watch(page: Page, log: BrowserLog) -> None:
    def on_console(message: Any) -> None:
        if message.type == "error":
            log.console_errors.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_response(response: Any) -> None:
        if response.status >= 500:
            log.server_errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("dialog", on_dialog)
    page.on("response", on_response)


@pytest.fixture
def context(browser: Browser, site: Site, browser_log: BrowserLog) -> Iterator[BrowserContext]:
    """A fresh browser profile that cannot reach anything but the local server."""

    def route(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == LOOPBACK:
            route.continue_()
        else:
            browser_log.outside_requests.append(request.url)
            route.abort("blockedbyclient")

    context = browser.new_context(
        base_url=site.base_url,
        locale="en-GB",
        # Far from every venue: pages must show venue time, not the browser's.
        timezone_id="Pacific/Auckland",
        viewport={"width": 1280, "height": 800},
    )
    # Everything here is local and small: fail in seconds, not after 30.
    context.set_default_timeout(10_000)
    context.route("**/*", route)
    context.expose_binding(
        "__vigilCspViolation", lambda _source, info: browser_log.csp_violations.append(info)
    )
    context.add_init_script(CSP_LISTENER)
    context.on("page", lambda page: _watch(page, browser_log))
    errors_before = len(site.server_errors)
    yield context
    for page in context.pages:
        # A round trip delivers events the page has queued (CSP reports, console).
        with contextlib.suppress(PlaywrightError):  # e.g. a page left on an error page
            page.evaluate("0")
    context.close()
    browser_log.server_errors.extend(site.server_errors[errors_before:])
    browser_log.assert_clean("after the test")


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in a fresh context; see ``context`` for what is recorded and checked."""
    return context.new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form in any language; ends on the organizer's page."""
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/organize/")
