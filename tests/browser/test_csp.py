"""The Content-Security-Policy really blocks inline code in Chromium (security.md T16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import BrowserLog

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.mark.parametrize(
    ("path", "directive"),
    [
        ("/__test/inline-script", "script-src-elem"),
        ("/__test/inline-handler", "script-src-attr"),
    ],
)
def test_csp_blocks_inline_code(
    page: Page, browser_log: BrowserLog, path: str, directive: str
) -> None:
    page.goto(path)
    # A function, not a bare expression: Playwright evaluates an expression with eval(),
    # which this CSP blocks too, adding a violation of its own while it retries.
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("typeof window.ran") == "undefined"
    page.evaluate("0")  # let the binding deliver the report
    assert [v["directive"] for v in browser_log.csp_violations] == [directive]
    assert browser_log.csp_violations[0]["blocked"] == "inline"
    # Chromium also logs the refusal as a console error; nothing else happened.
    assert len(browser_log.console_errors) == 1
    assert "Content Security Policy" in browser_log.console_errors[0]
    browser_log.csp_violations.clear()
    browser_log.console_errors.clear()


def test_outside_requests_are_blocked_and_recorded(page: Page, browser_log: BrowserLog) -> None:
    # The guard itself must work, or every "no outside request" check proves nothing.
    # A navigation is not subject to the CSP, so only the guard stops this one.
    from playwright.sync_api import Error as PlaywrightError

    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("https://example.org/")
    assert browser_log.outside_requests == ["https://example.org/"]
    browser_log.clear()
