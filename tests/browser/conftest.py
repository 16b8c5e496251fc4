"""Browser fixtures: the real app on a loopback port, driven by the system Chromium.

One server per test session runs the app with the werkzeug server in a thread,
on its own freshly migrated SQLite file (also when TEST_DATABASE_URL is set:
the browser suite checks pages, not the database engine), with real time
rather than the frozen clock of the other tests. Its data is made relative to
the real current date. Besides the events at the Berlin embassy, a few at other
places feed the map tests (one cancelled, a draft, one without a position).
``tiled_site`` runs a second server of the same app and database whose street
tiles come from a stand-in tile server on another port (another origin).

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
import re
import struct
import threading
import time as timer
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask import Flask, Response, got_request_exception
from sqlalchemy import select
from werkzeug.serving import make_server

from app import clock
from app.auth.services import create_user
from app.campaign.cli import DEFAULT_STATEMENT_PATH
from app.campaign.services import parse_statement_file
from app.events.review import request_review
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event, EventKind, Repeat, Role, User, Venue
from app.proposals.forms import ProposedTime
from app.proposals.services import confirm_proposal, create_proposal, request_changes
from tests.conftest import _upgrade, make_app
from tests.factories import make_event, make_series
from tests.rsvp.smtp import SmtpSink, free_port

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # reported by the ``browser`` fixture
    PlaywrightError = Exception  # type: ignore[assignment,misc]

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Request, Route

BROWSER_TESTS = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser ``browser``: ``-m "not browser"`` leaves them out.

    The hook sees the whole session's items, so it marks only those in this folder.
    """
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


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
HAGUE = "Embassy of Iran, The Hague"  # a bundled mission without seeded events
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
# Events for the maps (tests/browser/test_map.py), each at its own place.
ALEXANDERPLATZ_TITLE = "Vigil at Alexanderplatz"  # the one nearest to "Berlin"
HAMBURG_TITLE = "Rally at the Hamburg town hall"
CANCELLED_TITLE = "Rally in Paris (called off)"
HOSTILE_VENUE_TITLE = "Vigil at a place with a hostile name"
# Goes through folium's script as a tooltip: must stay text (design/security.md §3.1).
HOSTILE_VENUE_NAME = "Café </script><script>alert(4)</script> `${alert(5)}` \\ \"'><b>x</b>"
DRAFT_TITLE = "Draft rally, never on the map"
NO_POSITION_TITLE = "Vigil at a place without a position"
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
    app: Flask | None = None  # the server's app, for reading what it should show
    database_url: str = ""
    places: dict[str, tuple[int, str]] = field(default_factory=dict)  # map events, by title
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
    organizer: User, venue: Venue, title: str, day: date, *, description: str = "", **extra: Any
) -> tuple[int, str]:
    event = make_event(
        venue,
        organizer=organizer,
        title=title,
        description=description,
        starts_local=datetime.combine(day, time(18, 0)),
        duration=timedelta(minutes=90),
        commit=False,
        **extra,
    )
    return event.id, event.slug


def _place(
    name: str, city: str, country: str, zone: str, position: tuple[float, float] | None
) -> Venue:
    latitude, longitude = position or (None, None)
    venue = Venue(
        name=name,
        city=city,
        country_code=country,
        timezone=zone,
        latitude=latitude,
        longitude=longitude,
    )
    db.session.add(venue)
    db.session.flush()
    return venue


def _seed_map_events(organizer: User, day: date) -> dict[str, tuple[int, str]]:
    """Events at different places, one cancelled, one a draft, one without a position."""
    berlin = "Europe/Berlin"
    alexanderplatz = _place("Alexanderplatz", "Berlin", "DE", berlin, (52.5219, 13.4132))
    hamburg = _place("Rathausmarkt", "Hamburg", "DE", berlin, (53.5503, 9.9925))
    paris = _place("Place de la République", "Paris", "FR", "Europe/Paris", (48.8674, 2.3636))
    hostile = _place(HOSTILE_VENUE_NAME, "Frankfurt", "DE", berlin, (50.1109, 8.6821))
    nowhere = _place("A backyard", "Leipzig", "DE", berlin, None)
    places = {
        ALEXANDERPLATZ_TITLE: _seed_event(organizer, alexanderplatz, ALEXANDERPLATZ_TITLE, day),
        HAMBURG_TITLE: _seed_event(organizer, hamburg, HAMBURG_TITLE, day, kind=EventKind.RALLY),
        CANCELLED_TITLE: _seed_event(organizer, paris, CANCELLED_TITLE, day),
        HOSTILE_VENUE_TITLE: _seed_event(organizer, hostile, HOSTILE_VENUE_TITLE, day),
        DRAFT_TITLE: _seed_event(organizer, alexanderplatz, DRAFT_TITLE, day, publish=False),
        NO_POSITION_TITLE: _seed_event(organizer, nowhere, NO_POSITION_TITLE, day),
    }
    cancelled = db.session.get(Event, places[CANCELLED_TITLE][0])
    assert cancelled is not None
    cancel_event(cancelled, reason="Called off for the test.", editor=organizer)
    return places


def _seed_review_queue(admin: User, organizer: User, venue: Venue, day: date) -> None:
    """Every part of the review queue filled: an organizer's event waiting for review, and a
    host asked for changes (so a private link an admin can revoke). Nothing public."""
    waiting_id, _ = _seed_event(organizer, venue, "Waiting for a reviewer", day, publish=False)
    waiting = db.session.get(Event, waiting_id)
    assert waiting is not None
    request_review(waiting, editor=organizer)
    start = datetime.combine(day, time(12, 0))
    times = ProposedTime(venue.timezone, start, start + timedelta(hours=1), Repeat.NONE, None)
    proposal, code = create_proposal(
        venue=venue,
        times=times,
        description="Seeded for the page checks.",
        host_name="Seeded host",
        host_email="seeded-host@example.org",
    )
    assert confirm_proposal(code) is proposal
    request_changes(proposal, reviewer=admin, reason="Please start a little later.")


def _seed(
    app: Flask,
) -> tuple[str, dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """Missions, the statement, an admin, an organizer and published events."""
    runner = app.test_cli_runner()
    for command in (["venues", "import"], ["statement", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        admin = create_user(
            email=ADMIN_EMAIL, display_name="Admin", password=PASSWORD, role=Role.ADMIN
        )
        organizer = create_user(email=ORGANIZER_EMAIL, display_name="Organizer", password=PASSWORD)
        venue = db.session.scalars(select(Venue).where(Venue.name == BERLIN)).one()
        day = berlin_today() + timedelta(days=3)
        _, sample_slug = _seed_event(
            organizer, venue, SAMPLE_TITLE, day, description="Bring *candles* and photos."
        )
        hostile = {title: _seed_event(organizer, venue, title, day) for title in HOSTILE_TITLES}
        places = _seed_map_events(organizer, day)
        _seed_review_queue(admin, organizer, venue, day)
        db.session.commit()
        db.session.remove()
    return sample_slug, hostile, places


def new_event(site: Site, title: str, *, weekly: bool = False) -> tuple[str, list[date]]:
    """A new event at 18:00 two days from now: its slug and dates.

    For a test that RSVPs: the shared sample takes two RSVPs a day from one client. At
    a place without a position, so that the map's tests see their places as seeded.
    """
    assert site.app is not None
    with site.app.app_context():
        unmapped = select(Venue).where(Venue.latitude.is_(None)).order_by(Venue.id)
        venue = db.session.scalars(unmapped).first()
        organizer = db.session.scalars(select(User).order_by(User.id)).first()
        assert venue is not None
        assert organizer is not None
        start = (clock.now_utc() + timedelta(days=2)).astimezone(ZoneInfo(venue.timezone))
        local = start.replace(hour=18, minute=0, second=0, microsecond=0, tzinfo=None)
        make = make_series if weekly else make_event
        event = make(venue, organizer=organizer, title=title, starts_local=local)
        return event.slug, [occurrence.occurs_on for occurrence in event.occurrences]


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


# The live server's settings; another server (tiled_site) runs the same app with more.
SERVER_SETTINGS: dict[str, Any] = {
    "SECURE_COOKIES": False,  # plain http on 127.0.0.1
    "BASE_URL": f"http://{LOOPBACK}",  # with the port once it is known (_serving)
    "REDIS_URL": None,  # the server's rate-limit counters stay in its own memory
    # Each server caches its pages in its own folder: the tiled site's /map differs.
    "CACHE_REDIS_URL": None,
    # Several tests sign in within a minute; the login limits have their own tests.
    "LOGIN_RATE_LIMIT": "100 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100 per minute",
}


def _read_whole(app: Flask) -> WSGIApplication:
    """``app`` with each answer read and closed before it is sent. Werkzeug's development
    server reads what is left of a request before it closes the answer's iterable; when
    Chromium drops a request (a favicon on a quick navigation) that read raises, and the
    open static file is left to the garbage collector, which warns."""

    def whole(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return whole


@contextlib.contextmanager
def _serving(app: Flask, server_errors: list[str]) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL, records its exceptions."""

    def record_exception(sender: Flask, exception: BaseException, **extra: Any) -> None:
        server_errors.append(repr(exception))

    got_request_exception.connect(record_exception, app)
    server = make_server(LOOPBACK, 0, _read_whole(app), threaded=True)
    # Links in pages (the manage link, feeds) name the port the server got.
    app.config["BASE_URL"] = f"http://{LOOPBACK}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="vigil-browser-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        got_request_exception.disconnect(record_exception, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a random free loopback port, seeded, until the session ends."""
    clock.freeze(None)
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'vigil.db'}"
    _upgrade(url)
    app = make_app(url, **SERVER_SETTINGS)
    _add_test_routes(app)
    sample_slug, hostile, places = _seed(app)
    server_errors: list[str] = []
    with _serving(app, server_errors) as base_url:
        yield Site(
            base_url=base_url,
            statement_title=parse_statement_file(DEFAULT_STATEMENT_PATH).title,
            sample_slug=sample_slug,
            hostile=hostile,
            app=app,
            database_url=url,
            places=places,
            server_errors=server_errors,
        )


def tile_png(size: int = 256) -> bytes:
    """A plain grey ``size``×``size`` PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\xcc" * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_TILE_PATH = re.compile(r"^/[0-9]+/[0-9]+/[0-9]+\.png$")


@dataclass
class TiledSite:
    """A second server of the same app and data, with street tiles from another origin."""

    base_url: str
    tile_origin: str
    tile_requests: list[str]  # paths the tile server was asked for, in order
    server_errors: list[str]

    def url(self, path: str) -> str:
        return self.base_url + path


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """``handler`` served by a thread on a free loopback port: its origin, until the end."""
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextlib.contextmanager
def _tile_server(requests: list[str]) -> Iterator[str]:
    """A stand-in for the operator's tile server: any /{z}/{x}/{y}.png is a grey tile."""
    png = tile_png()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if not _TILE_PATH.match(self.path):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            # Every load must reach this server, or "no request before consent" proves nothing.
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler, "vigil-tile-server") as origin:
        yield origin


@pytest.fixture(scope="session")
def tiled_site(site: Site) -> Iterator[TiledSite]:
    """The app with VIGIL_TILE_URL on another origin (another port), on the same database."""
    tile_requests: list[str] = []
    server_errors: list[str] = []
    with _tile_server(tile_requests) as tile_origin:
        app = make_app(
            site.database_url,
            **SERVER_SETTINGS,
            TILE_URL=tile_origin + "/{z}/{x}/{y}.png",
            TILE_ATTRIBUTION="Test tiles <b>not bold</b>",
        )
        assert app.config["TILE_ORIGIN"] == tile_origin
        with _serving(app, server_errors) as base_url:
            yield TiledSite(base_url, tile_origin, tile_requests, server_errors)


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


def _guarded_context(
    browser: Browser, site: Site, browser_log: BrowserLog, **overrides: Any
) -> BrowserContext:
    """A fresh profile whose requests to other hosts are aborted and recorded in
    ``browser_log``, as are its pages' console errors, dialogs and CSP violations."""

    def route(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == LOOPBACK:
            route.continue_()
        else:
            browser_log.outside_requests.append(request.url)
            route.abort("blockedbyclient")

    options: dict[str, Any] = {
        "base_url": site.base_url,
        "locale": "en-GB",
        # Far from every venue: pages must show venue time, not the browser's.
        "timezone_id": "Pacific/Auckland",
        "viewport": {"width": 1280, "height": 800},
    }
    context = browser.new_context(**{**options, **overrides})
    # Everything here is local and small: fail in seconds, not after 30.
    context.set_default_timeout(10_000)
    context.route("**/*", route)
    context.expose_binding(
        "__vigilCspViolation", lambda _source, info: browser_log.csp_violations.append(info)
    )
    context.add_init_script(CSP_LISTENER)
    context.on("page", lambda page: _watch(page, browser_log))
    return context


def _close(context: BrowserContext) -> None:
    for page in context.pages:
        # A round trip delivers events the page has queued (CSP reports, console).
        with contextlib.suppress(PlaywrightError):  # e.g. a page left on an error page
            page.evaluate("0")
    context.close()


@pytest.fixture
def context(
    browser: Browser, site: Site, browser_log: BrowserLog, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    """A fresh browser profile that cannot reach anything but the local server.

    Indirect parameters are more options of the profile, e.g.
    ``{"java_script_enabled": False}``.
    """
    context = _guarded_context(browser, site, browser_log, **getattr(request, "param", {}))
    errors_before = len(site.server_errors)
    yield context
    _close(context)
    browser_log.server_errors.extend(site.server_errors[errors_before:])
    browser_log.assert_clean("after the test")


@pytest.fixture
def new_context(
    context: BrowserContext, browser: Browser, site: Site, browser_log: BrowserLog
) -> Iterator[Callable[[], BrowserContext]]:
    """Opens more profiles for one test (another person, or a browser without the
    cookies of the first), guarded and recorded like ``context``, whose checks after
    the test cover them too: they close first."""
    opened: list[BrowserContext] = []

    def open_one() -> BrowserContext:
        opened.append(_guarded_context(browser, site, browser_log))
        return opened[-1]

    yield open_one
    for one in opened:
        _close(one)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in a fresh context; see ``context`` for what is recorded and checked."""
    return context.new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form in any language; ends on the organizer's page (where the
    sign-in page sends an account that is signed in already)."""
    page.goto("/auth/login")
    if page.url.endswith("/organize/"):
        return
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/organize/")


def sign_in_with_code(page: Page, email: str, key: str, password: str = PASSWORD) -> None:
    """Sign in with the password, then a code of the authenticator whose base32 ``key``
    the account set up; ends on the organizer's page.

    The code is the next time step's: the server accepts one step of drift, and the
    current step's code may have been used already (by the enrolment), as each is
    accepted once.
    """
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/auth/login/code")
    page.locator("#code").fill(pyotp.TOTP(key).at(timer.time() + 30))
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/organize/")


@pytest.fixture
def mail_server(site: Site) -> Iterator[SmtpSink]:
    """A real SMTP server the live site mails to for this test; the proposal form's minimum
    fill time is lifted (a script fills it at once)."""
    assert site.app is not None
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname=LOOPBACK, port=sink.port)
    controller.start()
    saved = {key: site.app.config[key] for key in (*sink.settings, "PROPOSAL_MIN_FILL_SECONDS")}
    site.app.config.update(sink.settings, PROPOSAL_MIN_FILL_SECONDS=0)
    try:
        yield sink
    finally:
        site.app.config.update(saved)
        controller.stop()


_HOST_LINK = re.compile(r"http://\S+/campaign/host/(?:confirm|manage)#[A-Za-z0-9_-]+")


def host_link(sink: SmtpSink, address: str, kind: str) -> str:
    """The last ``confirm`` or ``manage`` link of a vigil's host mailed to ``address``."""
    for received in reversed(sink.to(address)):
        for link in _HOST_LINK.findall(received.body):
            if f"/campaign/host/{kind}#" in link:
                return str(link)
    raise AssertionError(f"no {kind} link mailed to the host")
