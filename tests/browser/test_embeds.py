"""Embeds in Chromium: another site frames /embed/… only when VIGIL_EMBED_ORIGINS names it.

A stand-in partner site (http.server on another loopback port: another origin)
serves a page that frames this site's embeds. Two servers of the app run on one
seeded database: one that names the partner in VIGIL_EMBED_ORIGINS, one with the
default (no site). As in the other browser tests, every request to a host
other than 127.0.0.1 is aborted and recorded, and none may happen. The shared
``site`` cannot change its settings per test, hence servers of their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app import clock
from app.auth.services import create_user
from app.extensions import db
from tests.browser.conftest import LOOPBACK, SERVER_SETTINGS, _serving, berlin_today, http_server
from tests.conftest import _upgrade, make_app
from tests.factories import berlin_embassy, make_event

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

TITLE = "Vigil shown on a partner site"


@dataclass
class Sites:
    partner: str  # the partner's origin
    allowed: str  # the app naming the partner in EMBED_ORIGINS
    refused: str  # the app with the default setting
    slug: str
    server_errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _partner_site() -> Iterator[str]:
    """Serves ``/?src=<url>``: a page that frames ``url``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            source = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
            body = (
                "<!doctype html><html><head><meta charset='utf-8'><title>Partner</title></head>"
                f"<body><h1>Partner site</h1><iframe src='{source}' width='800' height='600'>"
                "</iframe></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler, "partner-site") as origin:
        yield origin


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    clock.freeze(None)
    url = f"sqlite:///{tmp_path_factory.mktemp('embed') / 'vigil.db'}"
    _upgrade(url)
    seeding = make_app(url, **SERVER_SETTINGS)
    with seeding.app_context():
        organizer = create_user(
            email="organizer@example.org", display_name="Organizer", password="x" * 20
        )
        day = berlin_today() + timedelta(days=3)
        event = make_event(
            berlin_embassy(),
            organizer=organizer,
            title=TITLE,
            starts_local=datetime.combine(day, time(18, 0)),
        )
        slug = event.slug
        db.session.remove()
        db.engine.dispose()
    errors: list[str] = []
    with _partner_site() as partner:
        allowed = make_app(url, **SERVER_SETTINGS, EMBED_ORIGINS=partner)
        refused = make_app(url, **SERVER_SETTINGS)
        with _serving(allowed, errors) as allowed_url, _serving(refused, errors) as refused_url:
            yield Sites(partner, allowed_url, refused_url, slug, errors)


@dataclass
class Watched:
    page: Page
    outside: list[str]
    page_errors: list[str]


@pytest.fixture
def watched(browser: Browser, sites: Sites) -> Iterator[Watched]:
    outside: list[str] = []
    page_errors: list[str] = []

    def route(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == LOOPBACK:
            route.continue_()
        else:
            outside.append(request.url)
            route.abort("blockedbyclient")

    context = browser.new_context(locale="en-GB", viewport={"width": 1000, "height": 800})
    context.set_default_timeout(10_000)
    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    errors_before = len(sites.server_errors)
    yield Watched(page, outside, page_errors)
    context.close()
    assert outside == [], "requests left 127.0.0.1"
    assert page_errors == []
    assert sites.server_errors[errors_before:] == []


def _frame_page(watched: Watched, sites: Sites, source: str) -> Page:
    page = watched.page
    with page.expect_response(lambda response: "/embed/" in response.url) as embed:
        page.goto(f"{sites.partner}/?src={source}")
    assert embed.value.status == 200
    return page


def test_an_allowed_site_shows_the_embedded_list(watched: Watched, sites: Sites) -> None:
    page = _frame_page(watched, sites, f"{sites.allowed}/embed/events?country=DE")
    frame = page.frame_locator("iframe")

    link = frame.get_by_role("link", name=TITLE)
    link.wait_for()
    assert link.get_attribute("target") == "_top"
    assert frame.locator("form").count() == 0
    # A click opens the event on the site itself, in the top window.
    link.click()
    page.wait_for_url(f"{sites.allowed}/events/{sites.slug}")
    assert page.get_by_role("heading", name=TITLE).is_visible()


def test_an_allowed_site_shows_the_embedded_map(watched: Watched, sites: Sites) -> None:
    page = _frame_page(watched, sites, f"{sites.allowed}/embed/map")
    frame = page.frame_locator("iframe")

    frame.locator(".map-frame[data-loaded]").wait_for(state="attached")
    assert frame.locator(".map-frame").get_attribute("data-loaded") == "1"
    assert frame.locator(".leaflet-container").count() == 1


def test_a_site_not_named_cannot_frame_an_embed(watched: Watched, sites: Sites) -> None:
    page = _frame_page(watched, sites, f"{sites.refused}/embed/events")
    page.wait_for_timeout(300)

    assert page.get_by_role("heading", name="Partner site").is_visible()
    child = page.frames[1]
    # Chromium replaces a frame that its page's CSP refuses with its own error page.
    assert child.url.startswith("chrome-error://")
    assert all(TITLE not in frame.content() for frame in page.frames)
