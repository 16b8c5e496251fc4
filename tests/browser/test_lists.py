"""The lists in Chromium: a bad filter comes back in its form, and a phone's home page
starts with a search near the visitor and the next events; every language, 390 px too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from app.config import LANGUAGES
from tests.browser.conftest import SAMPLE_TITLE, BrowserLog

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Chromium reports a 400 answer itself as a console error; on these pages it is expected.
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"


def _fits(page: Page, what: str) -> None:
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                  client: document.documentElement.clientWidth})"""
    )
    assert widths["scroll"] <= widths["client"], f"{what} scrolls sideways: {widths}"


def _top(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_filter_comes_back_in_the_form_with_close_names(
    page: Page, browser_log: BrowserLog, language: str, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"/language/{language}?next=/events")
    page.fill("#near", "Tehrn")
    page.select_option("#country", "DE")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    # The list page again, not an error page: the typed text kept, a message at the field,
    # and keyboard focus on it (static/js/forms.js).
    assert page.locator("#near").input_value() == "Tehrn"
    assert page.locator("#country").input_value() == "DE"
    assert page.locator("#near-error").is_visible()
    assert "Tehrn" in page.locator("#near-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "near"
    _fits(page, f"/events with a bad filter ({language})")
    assert browser_log.console_errors == [BAD_REQUEST]
    browser_log.console_errors.clear()
    # One click on the close name searches again, the country kept.
    with page.expect_navigation():
        page.locator(".suggestions a", has_text="Tehran").click()
    assert page.locator("#near").input_value() == "Tehran"
    assert page.locator("#country").input_value() == "DE"
    assert page.locator("#near-error").count() == 0
    assert "Tehran" in page.locator("p.count").inner_text()
    _fits(page, f"/events near Tehran ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_phone_home_starts_with_near_me_and_the_next_events(page: Page, language: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/")
    search = _top(page, "#home-near")
    first_event = _top(page, ".upcoming .event-card")
    teaser = _top(page, ".statement-teaser")
    assert search < first_event < teaser
    assert search < PHONE["height"], "the search is on the first screen"
    assert page.get_by_role("link", name=SAMPLE_TITLE).count() >= 1
    _fits(page, f"/ ({language})")
    # Tab order follows: the search before the events, the events before the statement.
    order = page.evaluate(
        """() => Array.from(document.querySelectorAll('main input, main a, main button'))
            .map((el) => el.id || el.className || el.tagName)"""
    )
    assert order.index("home-near") < order.index("more")
    # The search leads to the list near that place.
    page.fill("#home-near", "Berlin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/events?near=Berlin" in page.url
    assert "Berlin" in page.locator("p.count").inner_text()
