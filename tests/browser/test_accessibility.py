"""Keyboard use, labelled fields and phone-width layout in Chromium."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import delete, select

from app.config import LANGUAGES
from app.extensions import db
from app.models import Event
from app.models.rsvp import Rsvp
from tests.browser.conftest import (
    ADMIN_EMAIL,
    BERLIN,
    ORGANIZER_EMAIL,
    PASSWORD,
    BrowserLog,
    Site,
    berlin_today,
    new_event,
    next_saturday,
    sign_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

# For every form control: its id and accessible name from <label>, aria-label,
# aria-labelledby or (buttons) its value.
FIELD_NAMES = """() => Array.from(
  document.querySelectorAll('input:not([type=hidden]), select, textarea')
).map((el) => {
  // textContent, not innerText: fields in a closed <details> are not rendered.
  const byLabel = Array.from(el.labels || []).map((l) => l.textContent.trim()).join(' ');
  const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  const isButton = ['submit', 'button', 'reset'].includes(el.type);
  const name = byLabel || (el.getAttribute('aria-label') || '').trim() || byIds
    || (isButton ? (el.value || '').trim() : '');
  return {id: el.id, name: name};
})"""
PHONE: ViewportSize = {"width": 390, "height": 844}


def _focused(page: Page) -> dict[str, str]:
    focused: dict[str, str] = page.evaluate(
        """() => ({tag: document.activeElement.tagName.toLowerCase(),
                  id: document.activeElement.id,
                  cls: document.activeElement.className})"""
    )
    return focused


def test_skip_link_is_first_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/auth/login")
    page.keyboard.press("Tab")
    assert _focused(page)["cls"] == "skip-link"
    # The link is hidden until focused; focused, it must be on screen.
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    page.keyboard.press("Enter")
    assert _focused(page) == {"tag": "main", "id": "main", "cls": ""}
    # The next Tab continues inside the page content: the e-mail field.
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "email"


def test_sign_in_with_the_keyboard_alone(page: Page) -> None:
    page.goto("/auth/login")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type(ORGANIZER_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # The #main fragment of the skip link survives the redirect; that is the browser's doing.
    page.wait_for_url(re.compile(r"/organize/(#main)?$"))
    assert page.get_by_role("heading", level=1).inner_text() == "My events"


def _tab_to(page: Page, element_id: str, limit: int = 15, *, text: str = "") -> None:
    """Press Tab until the element (by id, or a link by its ``text``) has focus, as a
    keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.id, document.activeElement.innerText]")
        if (focused[0] == element_id) if element_id else (focused[1].strip() == text):
            return
    pytest.fail(f"{'#' + element_id if element_id else text!r} cannot be reached with Tab")


def _type_datetime(page: Page, wall: datetime) -> None:
    # Chromium's datetime-local here has the en-US layout mm/dd/yyyy hh:mm AM/PM
    # (it ignores the context locale); the value is checked after typing.
    page.keyboard.type(wall.strftime("%m%d%Y"))
    page.keyboard.press("ArrowRight")
    page.keyboard.type(wall.strftime("%I%M") + wall.strftime("%p")[0])


def test_event_form_with_the_keyboard_alone(page: Page) -> None:
    saturday = next_saturday(berlin_today())
    starts = datetime.combine(saturday, time(11, 0))
    ends = datetime.combine(saturday, time(12, 30))
    title = f"Keyboard vigil {saturday.isoformat()}"
    sign_in(page, ORGANIZER_EMAIL)  # ends on the organizer's list
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    _tab_to(page, "", text="New event")
    page.keyboard.press("Enter")
    page.wait_for_url("**/organize/events/new")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    _tab_to(page, "title")
    page.keyboard.type(title)
    _tab_to(page, "kind")
    page.keyboard.type("V")
    assert page.locator("#kind").input_value() == "vigil"
    _tab_to(page, "venue-filter")
    page.keyboard.type("Berlin")
    _tab_to(page, "venue")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        if BERLIN in page.locator("#venue option:checked").inner_text():
            break
    assert BERLIN in page.locator("#venue option:checked").inner_text()
    _tab_to(page, "starts_at")
    _type_datetime(page, starts)
    assert page.locator("#starts_at").input_value() == starts.strftime("%Y-%m-%dT%H:%M")
    _tab_to(page, "ends_at")
    _type_datetime(page, ends)
    assert page.locator("#ends_at").input_value() == ends.strftime("%Y-%m-%dT%H:%M")
    _tab_to(page, "publish")  # the "Publish" button, after "Save as draft"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/events/[a-z0-9-]*[0-9a-f]{16}(#main)?$"))
    assert title in page.get_by_role("heading", level=1).inner_text()
    assert "Published" in page.locator(".flashes").inner_text()


def test_rsvp_with_the_keyboard_alone(page: Page, site: Site) -> None:
    """From landing on the event page to the confirmation: Tab, typing, arrows, Enter."""
    slug, _ = new_event(site, "Vigil for keyboard users")
    page.goto(f"/events/{slug}")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    _tab_to(page, "display_name", limit=30)
    page.keyboard.type("Keyboard visitor")
    _tab_to(page, "party_size")
    page.keyboard.press("ArrowDown")
    assert page.locator("#party_size").input_value() == "2"
    page.keyboard.press("Shift+Tab")  # back to the name, to correct it
    assert _focused(page)["id"] == "display_name"
    page.keyboard.press("End")
    page.keyboard.type(" (two of us)")
    _tab_to(page, "submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/rsvp/done(#main)?$"))
    assert page.get_by_role("heading", level=1).inner_text() == "You are on the list"
    assert page.locator(".one-time-link a").is_visible()
    assert take_rsvps(site, slug) == [("Keyboard visitor (two of us)", 2)]


def take_rsvps(site: Site, slug: str) -> list[tuple[str | None, int]]:
    """The event's RSVPs (name, party size), deleted with the event: the shared site's
    other tests count events and RSVPs."""
    assert site.app is not None
    with site.app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == slug)).one()
        rsvps = db.session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)).all()
        taken = [(rsvp.display_name, rsvp.party_size) for rsvp in rsvps]
        db.session.execute(delete(Rsvp).where(Rsvp.event_id == event.id))
        db.session.delete(event)
        db.session.commit()
    return taken


@pytest.mark.parametrize(
    ("path", "account"),
    [
        ("/organize/events/new", ORGANIZER_EMAIL),
        ("/auth/login", None),
        ("/events", None),
        ("/admin/organizers", ADMIN_EMAIL),
        ("/admin/statement", ADMIN_EMAIL),
    ],
)
def test_every_form_field_has_a_label(page: Page, path: str, account: str | None) -> None:
    if account is not None:
        sign_in(page, account)
    page.goto(path)
    fields = page.evaluate(FIELD_NAMES)
    assert len(fields) >= 2
    unnamed = [field["id"] or "(no id)" for field in fields if not field["name"]]
    assert unnamed == []
    ids = [field["id"] for field in fields if field["id"]]
    assert len(ids) == len(set(ids)), "duplicate ids break <label for>"


def _assert_no_horizontal_scroll(page: Page, what: str) -> None:
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                  client: document.documentElement.clientWidth})"""
    )
    assert widths["scroll"] <= widths["client"], f"{what} scrolls sideways: {widths}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_fit_a_phone(page: Page, site: Site, language: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/")
    paths = ["/", "/events", f"/events/{site.sample_slug}", "/statement", "/auth/login"]
    paths += [f"/events/{slug}" for _, slug in site.hostile.values()]
    for path in paths:
        page.goto(path)
        _assert_no_horizontal_scroll(page, f"{path} ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["/organize/", "/organize/events/new"])
def test_organizer_pages_fit_a_phone(page: Page, language: str, path: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/")
    sign_in(page, ORGANIZER_EMAIL)
    page.goto(path)
    _assert_no_horizontal_scroll(page, f"{path} ({language})")


def test_focus_moves_to_the_first_field_to_correct(page: Page, browser_log: BrowserLog) -> None:
    page.goto("/auth/login")
    page.fill("#email", ORGANIZER_EMAIL)
    page.fill("#password", "not the right password at all")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".error").count() == 1
    assert _focused(page)["id"] == "password"
    # Chromium reports the 422 status itself as a console error; that one is expected.
    assert browser_log.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
    ]
    browser_log.console_errors.clear()
