"""The organizer's work through the UI, exactly as a person does it."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import TYPE_CHECKING

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
    from playwright.sync_api import Locator, Page


def _card(page: Page, title: str) -> Locator:
    return page.locator("li.event-card").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def _row(page: Page, title: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


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
    page.get_by_label("Publish now").check()
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(re.compile(r"/organize/events/\d+/edit$"))
    assert "The event is saved." in page.locator(".flashes").inner_text()

    page.goto("/events")
    when = _card(page, title).locator(".when").inner_text()
    assert f"15:00–17:00 {zone}" in when, when
    assert "Berlin" in _card(page, title).locator(".where").inner_text()

    page.get_by_role("link", name="My events").click()
    _row(page, title).get_by_role("link", name="Edit", exact=True).click()
    renamed = title + " (renamed)"
    page.get_by_label("Title").fill(renamed)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/organize/events/\d+/edit$"))
    assert "The event is saved." in page.locator(".flashes").inner_text()

    page.get_by_role("link", name="My events").click()
    _row(page, renamed).get_by_role("link", name="Cancel", exact=True).click()
    reason = "The police did not allow the gathering."
    page.get_by_label("Reason (shown publicly)").fill(reason)
    page.get_by_role("button", name="Cancel this event").click()
    page.wait_for_url("**/organize/")

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
