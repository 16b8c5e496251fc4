"""An event's page in Chromium: copying its address, the visitor's own time, a phone's width.

The share buttons and the visitor's time come from static/js/share.js and
static/js/local-time.js; without JavaScript the address is a field to select.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from app.config import LANGUAGES
from tests.browser.conftest import BrowserLog, Site, new_event
from tests.browser.test_accessibility import PHONE, _assert_no_horizontal_scroll

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Request

CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}


def _wait_for_text(locator: Locator, text: str) -> None:
    """The status is written when the clipboard's promise settles, after the click returns."""
    locator.filter(has_text=text).wait_for(timeout=5000)
    assert locator.inner_text() == text


@pytest.mark.parametrize("context", [CLIPBOARD], indirect=True)
def test_copy_link_puts_the_page_address_on_the_clipboard(page: Page, site: Site) -> None:
    page.goto(f"/events/{site.sample_slug}")
    share = page.locator("section.share")
    share.get_by_role("button", name="Copy link").click()
    status = share.get_by_role("status")
    _wait_for_text(status, "Copied")
    assert status.get_attribute("aria-live") == "polite"
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == site.url(f"/events/{site.sample_slug}")
    # "Share…" is there only where the browser can share (phones), never a dead button.
    can_share = page.evaluate("typeof navigator.share === 'function'")
    assert share.get_by_role("button", name="Share…").is_visible() == can_share


def test_visitor_time_appears_when_the_zone_differs(page: Page, site: Site) -> None:
    # The context's zone is Pacific/Auckland, the event is at 18:00 in Berlin.
    page.goto(f"/events/{site.sample_slug}")
    dates = page.locator(".event-when ul.occurrences li")
    mine = page.locator(".event-when .visitor-time")
    assert mine.count() == dates.count() >= 1
    text = mine.first.inner_text()
    assert text.startswith("Your time: ")
    # 18:00 in Berlin is 06:00 or 07:00 the next morning in Auckland.
    assert "06:00" in text or "07:00" in text, text
    assert "18:00" in dates.first.inner_text()  # the venue's time stays


@pytest.mark.parametrize("context", [{"timezone_id": "Europe/Berlin"}], indirect=True)
def test_no_visitor_time_in_the_venues_zone(page: Page, site: Site) -> None:
    page.goto(f"/events/{site.sample_slug}")
    assert page.locator(".event-when ul.occurrences li").count() >= 1
    assert page.locator(".visitor-time").count() == 0


@pytest.mark.parametrize("context", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_the_address_is_a_field_to_select(page: Page, site: Site) -> None:
    page.goto(f"/events/{site.sample_slug}")
    field = page.get_by_label("Address of this page")
    assert field.input_value() == site.url(f"/events/{site.sample_slug}")
    assert field.is_editable() is False
    assert (
        page.get_by_role("button", name="Copy link").count() == 0
        or not page.get_by_role("button", name="Copy link").is_visible()
    )
    assert page.locator(".visitor-time").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_event_page_fits_a_phone_and_stays_on_this_machine(
    page: Page, site: Site, browser_log: BrowserLog, language: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/events/{site.sample_slug}")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".visitor-time").count() >= 1
    assert page.locator("#share-event-url").is_visible()
    assert page.locator("section.share .share-copy").is_visible()
    assert page.locator(".open-in-maps a").get_attribute("href", timeout=1000) is not None
    _assert_no_horizontal_scroll(page, f"the event page ({language})")
    assert all(url.startswith(site.base_url) for url in requested), requested
    browser_log.assert_clean(f"on the event page ({language})")


@pytest.mark.parametrize("context", [CLIPBOARD], indirect=True)
def test_private_link_is_copied_but_never_sent(page: Page, site: Site) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    slug, _dates = new_event(site, "Vigil for copying the private link")
    page.set_viewport_size(PHONE)
    page.goto(f"/events/{slug}")
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_url("**/rsvp/done")
    link = page.get_by_label("Your private link to change or cancel").input_value()
    token = urlsplit(link).fragment
    assert len(token) >= 43
    section = page.locator("section.private-link")
    section.get_by_role("button", name="Copy link").click()
    _wait_for_text(section.get_by_role("status"), "Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert section.get_by_role("button", name="Share…").count() == 0
    # Add to calendar for the event just joined.
    assert (
        page.locator(".add-to-calendar a[download]").get_attribute("href") == f"/events/{slug}.ics"
    )
    _assert_no_horizontal_scroll(page, "the RSVP confirmation")
    sent = [(request.url, request.post_data or "") for request in requests]
    assert not [item for item in sent if token in item[0] or token in item[1]], sent
