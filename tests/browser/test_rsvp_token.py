"""The RSVP form of the cached event page, with and without JavaScript, in Chromium.

The page carries no CSRF token (it is the same HTML for everyone): its script
fetches the visitor's before the form is sent, and without the script the form
comes back once with the token and what was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import BrowserLog, Site, new_event

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response


def _answers(page: Page) -> list[Response]:
    answers: list[Response] = []
    page.on("response", lambda response: answers.append(response))
    return answers


def test_the_script_fetches_the_token_and_the_rsvp_goes_through_at_once(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    answers = _answers(page)
    page.goto(f"/events/{new_event(site, 'Vigil with the script')[0]}")
    page.get_by_label("Display name (optional)").fill("Script on")
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_url("**/rsvp/done")
    assert page.get_by_role("heading", level=1).inner_text() == "You are on the list"
    token_fetches = [answer for answer in answers if answer.url.endswith("/rsvp/token")]
    assert [answer.status for answer in token_fetches] == [200]
    posts = [answer for answer in answers if answer.request.method == "POST"]
    assert [answer.status for answer in posts] == [303]
    browser_log.assert_clean("after an RSVP with the script")


@pytest.mark.parametrize("context", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_the_form_comes_back_once_and_then_works(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    answers = _answers(page)
    page.goto(f"/events/{new_event(site, 'Vigil without the script')[0]}")
    page.get_by_label("Display name (optional)").fill("No script")
    page.get_by_label("How many people, including you").select_option("2")
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_load_state()
    assert "Your RSVP is not recorded yet." in page.locator("main").inner_text()
    assert page.get_by_label("Display name (optional)").input_value() == "No script"
    assert page.get_by_label("How many people, including you").input_value() == "2"
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_url("**/rsvp/done")
    assert page.get_by_role("heading", level=1).inner_text() == "You are on the list"
    posts = [answer.status for answer in answers if answer.request.method == "POST"]
    assert posts == [400, 303]
    assert not [answer for answer in answers if answer.url.endswith("/rsvp/token")]
    # Chromium logs the 400 page it showed; it was the expected one.
    assert browser_log.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    browser_log.console_errors.clear()
    browser_log.assert_clean("after an RSVP without a script")
