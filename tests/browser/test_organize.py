"""The organizer's work through the UI, exactly as a person does it."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import (
    ADMIN_EMAIL,
    BERLIN,
    BERLIN_ZONE,
    ORGANIZER_EMAIL,
    Site,
    berlin_today,
    next_saturday,
    sign_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, ViewportSize

# An event's own page: its slug ends in 16 hex digits (/organize/events/new does not).
EVENT_PAGE = re.compile(r"/events/[a-z0-9-]*[0-9a-f]{16}(#main)?$")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _card(page: Page, title: str) -> Locator:
    return page.locator("li.event-card").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def _row(page: Page, title: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def _fill_new_event(page: Page, title: str, saturday: date) -> None:
    """Open the form for a new event and fill it in: Berlin embassy, Saturday 15:00–17:00."""
    page.get_by_role("link", name="New event").click()
    assert page.get_by_role("heading", level=1).inner_text() == "New event"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind of event").select_option(label="Vigil")
    page.get_by_label("Search places by city or country").fill("Berlin")
    places = page.get_by_label("Place", exact=True)
    berlin = places.locator("option", has_text=BERLIN)
    places.select_option(value=berlin.get_attribute("value"))
    page.get_by_label("Starts").fill(f"{saturday.isoformat()}T15:00")
    page.get_by_label("Ends").fill(f"{saturday.isoformat()}T17:00")


def test_organizer_creates_edits_and_cancels_an_event(page: Page, site: Site) -> None:
    saturday = next_saturday(berlin_today())
    zone = datetime.combine(saturday, time(15, 0), BERLIN_ZONE).strftime("%Z")
    title = f"Vigil at the embassy {saturday.isoformat()}"

    sign_in(page, ADMIN_EMAIL)
    page.get_by_role("link", name="New event").click()
    assert page.get_by_role("heading", level=1).inner_text() == "New event"

    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind of event").select_option(label="Vigil")
    # The filter box narrows the long list of missions.
    page.get_by_label("Search places by city or country").fill("Berlin")
    places = page.get_by_label("Place", exact=True)
    shown = places.locator("option:not([hidden])")
    labels = [label for label in shown.all_inner_texts() if "·" in label]
    assert labels, "no mission left after filtering"
    assert all("Berlin" in label for label in labels), labels
    assert len(labels) < places.locator("option").count() - 2
    berlin = places.locator("option", has_text=BERLIN)
    places.select_option(value=berlin.get_attribute("value"))
    page.get_by_label("Starts").fill(f"{saturday.isoformat()}T15:00")
    page.get_by_label("Ends").fill(f"{saturday.isoformat()}T17:00")
    page.get_by_role("button", name="Publish", exact=True).click()

    page.wait_for_url(EVENT_PAGE)
    assert "Published: everyone can see it now." in page.locator(".flashes").inner_text()

    page.goto("/events")
    when = _card(page, title).locator(".when").inner_text()
    assert f"15:00–17:00 {zone}" in when, when
    assert "Berlin" in _card(page, title).locator(".where").inner_text()

    page.get_by_role("link", name="My events").click()
    _row(page, title).get_by_role("link", name="Edit", exact=True).click()
    renamed = title + " (renamed)"
    page.get_by_label("Title").fill(renamed)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(EVENT_PAGE)
    assert "Saved." in page.locator(".flashes").inner_text()
    assert renamed in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="My events").click()
    _row(page, renamed).get_by_role("link", name="Cancel", exact=True).click()
    reason = "The police did not allow the gathering."
    page.get_by_label("Reason (shown publicly)").fill(reason)
    page.get_by_role("button", name="Cancel this event").click()
    page.wait_for_url("**/organize/")
    flash = page.locator(".flashes").inner_text()
    assert "The event is cancelled. Its page now says so. Nobody was notified" in flash

    page.get_by_role("link", name=renamed, exact=True).click()
    banner = page.locator(".banner-cancelled")
    banner.wait_for()  # the click navigates: wait for the event page
    assert banner.is_visible()
    assert "This event is cancelled." in banner.inner_text()
    assert reason in banner.inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url("/"))
    page.goto("/organize/")
    assert "/auth/login" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Organizer sign-in"


def test_organizer_pages_show_hostile_titles_as_text(page: Page, site: Site) -> None:
    sign_in(page, ORGANIZER_EMAIL)
    listing = page.locator("main").inner_text()
    for title, (event_id, _) in site.hostile.items():
        assert title in listing
        page.goto(f"/organize/events/{event_id}/edit")
        assert page.get_by_label("Title").input_value() == title
        page.goto(f"/organize/events/{event_id}/cancel")
        assert title in page.get_by_role("heading", level=1).inner_text()


def _fits(page: Page) -> None:
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                  client: document.documentElement.clientWidth})"""
    )
    assert widths["scroll"] <= widths["client"], f"{page.url} scrolls sideways: {widths}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_draft_publish_cancel_and_reinstate(page: Page, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    saturday = next_saturday(berlin_today())
    title = f"Draft first, {viewport['width']} px, {saturday.isoformat()}"
    sign_in(page, ORGANIZER_EMAIL)
    _fill_new_event(page, title, saturday)
    _fits(page)
    page.get_by_role("button", name="Save as draft").click()

    # The event's own page: the draft banner, the flash, the organizer's bar.
    page.wait_for_url(EVENT_PAGE)
    slug = page.url.rsplit("/", 1)[1]
    assert "Saved as a draft" in page.locator(".flashes").inner_text()
    assert page.locator(".banner-draft").is_visible()
    assert "Status: draft." in page.locator(".organizer-bar").inner_text()
    _fits(page)

    page.locator(".organizer-bar").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url(f"**/events/{slug}")
    assert "Published: everyone can see it now." in page.locator(".flashes").inner_text()
    assert page.locator(".banner-draft").count() == 0
    assert "Status: published." in page.locator(".organizer-bar").inner_text()

    page.locator(".organizer-bar").get_by_role("link", name="Cancel the event").click()
    page.get_by_label("Reason (shown publicly)").fill("Storm warning.")
    page.get_by_role("button", name="Cancel this event").click()
    page.wait_for_url("**/organize/")
    _fits(page)
    _row(page, title).get_by_role("link", name="Reinstate").click()
    assert title in page.get_by_role("heading", level=1).inner_text()
    _fits(page)
    page.get_by_role("button", name="Reinstate this event").click()

    page.wait_for_url(f"**/events/{slug}")
    flash = page.locator(".flashes").inner_text()
    assert "The event is reinstated and published. Nobody was notified by e-mail." in flash
    assert page.locator(".banner-cancelled").count() == 0
    assert "Storm warning." not in page.locator("main").inner_text()
    _fits(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_publish_at_once_with_a_public_name(page: Page, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    saturday = next_saturday(berlin_today())
    title = f"Published at once, {viewport['width']} px, {saturday.isoformat()}"
    sign_in(page, ORGANIZER_EMAIL)
    page.get_by_role("link", name="Your account and public name").click()
    assert "Organizer" in page.locator("main").inner_text()  # the private account name
    _fits(page)
    page.get_by_label("Public name (shown to everyone)").fill("Night watch")
    page.get_by_role("button", name="Save").click()
    assert "Your public name is saved." in page.locator(".flashes").inner_text()
    page.get_by_role("link", name="Back to my events").click()

    _fill_new_event(page, title, saturday)
    assert page.get_by_label("Organized by (shown to everyone)").input_value() == "Night watch"
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url(EVENT_PAGE)
    assert "Published" in page.locator(".flashes").inner_text()
    assert "Night watch" in page.locator(".facts").inner_text()
    assert "Organizer" not in page.locator(".facts").inner_text()
    _fits(page)

    page.get_by_role("link", name="My events").click()
    row = _row(page, title).inner_text()
    assert "15:00 " in row
    assert "0 going" in row
    _fits(page)

    # Leave the account as the other tests expect it.
    page.goto("/organize/account/")
    page.get_by_label("Public name (shown to everyone)").fill("")
    page.get_by_role("button", name="Save").click()
    assert "Your public name is saved." in page.locator(".flashes").inner_text()
