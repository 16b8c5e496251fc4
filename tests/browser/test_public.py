"""Public pages in Chromium: no outside requests, no CSP violations, no console errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import HOSTILE_TITLES, SAMPLE_TITLE, BrowserLog, Site

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _public_paths(site: Site) -> list[str]:
    return ["/", "/events", f"/events/{site.sample_slug}", "/statement", "/auth/login"]


def test_public_pages_stay_on_this_machine(page: Page, site: Site, browser_log: BrowserLog) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in _public_paths(site):
        response = page.goto(path, wait_until="load")
        assert response is not None
        assert response.status == 200, path
        # Every sub-resource (CSS, JS) came from the local server and loaded.
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.styleSheets.length") >= 1, path
        browser_log.assert_clean(f"on {path}")
    assert requested, "the page listener saw no requests"
    assert all(url.startswith(site.base_url) for url in requested), requested


def test_home_shows_the_pinned_statement_and_upcoming_events(page: Page, site: Site) -> None:
    page.goto("/")
    assert page.get_by_role("heading", level=2, name=site.statement_title).is_visible()
    assert page.get_by_role("link", name=SAMPLE_TITLE).is_visible()


def test_event_page_shows_venue_time_and_rendered_description(page: Page, site: Site) -> None:
    page.goto(f"/events/{site.sample_slug}")
    assert page.get_by_role("heading", level=1).inner_text() == SAMPLE_TITLE
    # The browser's zone is Pacific/Auckland; the page shows Berlin time.
    when = page.locator("ul.occurrences li").first.inner_text()
    assert "18:00–19:30 CE" in when, when
    assert page.locator(".description em").inner_text() == "candles"


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_are_shown_as_text(
    page: Page, site: Site, browser_log: BrowserLog, title: str
) -> None:
    _, slug = site.hostile[title]
    page.goto("/events")
    assert title in page.locator("main").inner_text()
    page.goto(f"/events/{slug}")
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert title in page.title()
    _assert_nothing_injected(page)
    browser_log.assert_clean(f"on the page of {title!r}")


def _assert_nothing_injected(page: Page) -> None:
    injected = page.evaluate(
        """() => document.querySelectorAll(
             'img[src="x"], [onerror], [onload], body script:not([src])').length"""
    )
    assert injected == 0


def test_persian_pages_are_right_to_left(page: Page, browser_log: BrowserLog) -> None:
    page.goto("/language/fa?next=/events")
    assert page.url.endswith("/events")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "fa"
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto("/language/en?next=/events")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_first_visit_loads_everything_it_asks_for(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.goto("/", wait_until="load")
    page.wait_for_load_state("networkidle")
    # The icon the page names, and the old address browsers try without one.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None
    for path in (icon, "/favicon.ico"):
        answer = page.request.get(site.url(path))
        assert answer.status == 200, path
        assert answer.headers["content-type"].startswith("image/svg+xml"), path
    assert failed == []
    browser_log.assert_clean("on a first visit")
