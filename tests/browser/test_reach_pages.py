"""The reach pages people open in a browser: the API's docs, the snippets page, and the
poster links of an event page. Nothing may load from another host or log an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import BrowserLog, Site

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_api_docs_page_lists_every_operation(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    response = page.goto("/api/v1/docs", wait_until="load")
    assert response is not None
    assert response.status == 200
    text = page.locator("main").inner_text()
    for path in ("/api/v1/events", "/api/v1/events/{slug}", "/api/v1/venues", "/api/v1/statement"):
        assert path in text
    assert page.get_by_role("link", name="The OpenAPI 3.1 document").count() == 1
    browser_log.assert_clean("on the API docs page")


def test_the_snippets_page_offers_copyable_frames_and_links(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    response = page.goto("/share?country=DE", wait_until="load")
    assert response is not None
    assert response.status == 200
    snippets = page.locator("textarea, pre, code").all_inner_texts()
    snippets += page.locator("textarea").evaluate_all("(areas) => areas.map((a) => a.value)")
    joined = "\n".join(snippets)
    assert "/embed/events?country=DE" in joined
    assert "<iframe" in joined
    browser_log.assert_clean("on the snippets page")


def test_an_event_page_links_its_posters(page: Page, site: Site, browser_log: BrowserLog) -> None:
    page.goto(f"/events/{site.sample_slug}", wait_until="load")
    a4 = page.get_by_role("link", name="Print a poster (A4)")
    assert a4.count() == 1
    href = a4.get_attribute("href")
    assert href is not None
    poster = page.request.get(site.url(href))
    assert poster.status == 200
    assert poster.headers["content-type"] == "application/pdf"
    assert poster.body().startswith(b"%PDF")
    browser_log.assert_clean("on an event page with its poster links")
