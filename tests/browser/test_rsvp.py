"""A supporter's RSVP in Chromium: say yes, keep the link, manage it, cancel it.

The private code lives in the link's #fragment: the browser never sends it,
and the recorded requests prove it (design/security.md decision 9, T08).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from app.config import LANGUAGES
from tests.browser.conftest import BrowserLog, Site
from tests.browser.test_accessibility import FIELD_NAMES

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}


def _no_horizontal_scroll(page: Page) -> bool:
    fits: bool = page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return fits


def _assert_fields_labelled(page: Page) -> None:
    fields = page.evaluate(FIELD_NAMES)
    assert len(fields) >= 2
    assert [field["id"] or "(no id)" for field in fields if not field["name"]] == []
    ids = [field["id"] for field in fields if field["id"]]
    assert len(ids) == len(set(ids)), "duplicate ids break <label for>"


def test_rsvp_confirm_manage_by_fragment_and_cancel(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.set_viewport_size(PHONE)

    page.goto(f"/events/{site.sample_slug}")
    assert _no_horizontal_scroll(page)
    _assert_fields_labelled(page)
    assert not page.get_by_label("E-mail me if this event changes or is cancelled").is_checked()
    page.get_by_label("Display name (optional)").fill("Browser tester")
    page.get_by_label("How many people, including you").select_option("2")
    page.get_by_role("button", name="I'll be there").click()

    page.wait_for_url("**/rsvp/done")
    assert page.get_by_role("heading", level=1).inner_text() == "You are on the list"
    assert _no_horizontal_scroll(page)
    link = page.locator(".one-time-link a").get_attribute("href")
    assert link is not None
    assert urlsplit(link).path == "/rsvp/manage"
    token = urlsplit(link).fragment
    assert len(token) >= 43

    page.goto(link)
    # The script copied the code into the form and took it out of the address bar.
    assert page.get_by_label("Your private code").input_value() == token
    assert token not in page.url
    assert _no_horizontal_scroll(page)
    page.get_by_role("button", name="Show my RSVP").click()

    page.wait_for_load_state()
    _assert_fields_labelled(page)
    main = page.locator("main")
    assert "Browser tester" in main.inner_text()
    assert "Going" in main.inner_text()
    assert _no_horizontal_scroll(page)
    page.get_by_label("How many people, including you").select_option("3")
    page.get_by_role("button", name="Save the new number").click()
    page.wait_for_load_state()
    assert "The number of people is now 3." in page.locator(".flashes").inner_text()

    page.get_by_role("button", name="Cancel my RSVP").click()
    page.wait_for_url("**/rsvp/cancelled")
    assert page.get_by_role("heading", level=1).inner_text() == "Your RSVP is cancelled"

    # What left the browser: no address (without the fragment, which is never sent)
    # and no header held the code. The code travelled only in POST bodies.
    assert requests, "the listener saw no requests"
    sent = [(request.url.split("#", 1)[0], *request.headers.values()) for request in requests]
    assert not [values for values in sent if any(token in value for value in values)]
    posts = [request for request in requests if request.method == "POST"]
    assert any(token in (request.post_data or "") for request in posts)
    browser_log.assert_clean("after the RSVP flow")


@pytest.mark.parametrize("language", LANGUAGES)
def test_rsvp_pages_fit_a_phone(page: Page, site: Site, language: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/")
    for path in (f"/events/{site.sample_slug}", "/rsvp/manage", "/rsvp/done", "/rsvp/cancelled"):
        page.goto(path)
        assert _no_horizontal_scroll(page), f"{path} ({language}) scrolls sideways"
