"""/campaign in Chromium: every language, at desktop and phone width, with its map of
vigils drawn from this site only; and the missions to host a vigil at without JavaScript."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from app.config import LANGUAGES
from tests.browser.conftest import BERLIN, BrowserLog, Site

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def _fits(page: Page, what: str) -> None:
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                  client: document.documentElement.clientWidth})"""
    )
    assert widths["scroll"] <= widths["client"], f"{what} scrolls sideways: {widths}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_campaign_page_in_every_language_and_width(
    page: Page, site: Site, browser_log: BrowserLog, language: str, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"/language/{language}?next=/campaign")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h2#call-title").inner_text() == site.statement_title or language == "fa"
    assert page.locator("a.host-button").get_attribute("href") == "/campaign/host"
    offered = page.locator(".missions a.host-here")
    assert offered.count() > 0
    assert all(
        href.startswith("/campaign/host?venue=")
        for href in offered.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    )
    # The seeded vigils are at the embassy in Berlin: it is not offered.
    assert BERLIN not in page.locator(".open-missions").inner_text()
    loaded = page.locator(".map-vigil[data-loaded]").get_attribute("data-loaded")
    assert loaded not in (None, "error")
    assert int(loaded or 0) > 0
    assert page.locator(".map-vigil .folium-map").is_visible()
    _fits(page, f"/campaign ({language}, {viewport['width']} px)")
    assert browser_log.outside_requests == []


@pytest.mark.parametrize("context", [{"java_script_enabled": False}], indirect=True)
def test_missions_and_the_host_button_work_without_javascript(
    context: BrowserContext, browser_log: BrowserLog
) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/campaign")
    link = page.locator(".missions a.host-here").first
    assert link.is_visible()
    assert (link.get_attribute("href") or "").startswith("/campaign/host?venue=")
    assert page.locator("a.host-button").is_visible()
    _fits(page, "/campaign without JavaScript")
    assert browser_log.outside_requests == []
