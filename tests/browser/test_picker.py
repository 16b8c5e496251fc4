"""The place picker's "Sort by distance from me" in Chromium (static/js/venue-filter.js).

The browser's position is a point in Leiden, about 16 km from the embassy in The Hague.
The button asks for it only when clicked; the options are sorted in the page, the nearest
is not chosen for the visitor, and no request carries the position.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Venue
from app.venues.geo import distance_km
from tests.browser.conftest import BERLIN, LOOPBACK, ORGANIZER_EMAIL, BrowserLog, Site, sign_in
from tests.browser.test_map import _WATCH_GEOLOCATION

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

pytestmark = pytest.mark.browser

HAGUE = "Embassy of Iran, The Hague"
LEIDEN = {"latitude": 52.1601, "longitude": 4.4970, "accuracy": 30}
GRANTED = {"geolocation": LEIDEN, "permissions": ["geolocation"]}
# How the position could show in a request: its digits as typed or rounded, either separator.
POSITION_TRACES = ("52.16", "52,16", "4.497", "4,497", "4.50", "4,50", "52.1601", "4.4970")
# Unicode isolates the script puts around a place's name (for right-to-left pages).
ISOLATES = re.compile("[\u2068\u2069]")
UNPROCESSABLE_LOGGED = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
)


def _hague(site: Site) -> tuple[str, int]:
    """The Hague embassy's option value and its distance from Leiden in whole km."""
    assert site.app is not None
    with site.app.app_context():
        venue = db.session.scalars(select(Venue).where(Venue.name == HAGUE)).one()
        assert venue.latitude is not None
        assert venue.longitude is not None
        km = distance_km(LEIDEN["latitude"], LEIDEN["longitude"], venue.latitude, venue.longitude)
        db.session.remove()
    return str(venue.id), round(km)


def _options(page: Page) -> list[dict[str, Any]]:
    """The picker's options in order: value, label without isolates, hidden, has position."""
    options: list[dict[str, Any]] = page.locator("#venue option").evaluate_all(
        """options => options.map(o => ({value: o.value, label: o.textContent,
             hidden: o.hidden, placed: o.hasAttribute('data-lat')}))"""
    )
    for option in options:
        option["label"] = ISOLATES.sub("", option["label"])
    return options


def _shown(page: Page) -> list[str]:
    return [option["value"] for option in _options(page) if not option["hidden"]]


def _carries_position(request: Request) -> bool:
    sent = request.url + (request.post_data or "") + " ".join(request.headers.values())
    return any(trace in sent for trace in POSITION_TRACES)


def _watch_requests(page: Page) -> list[Request]:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    return requests


def _assert_nothing_sent(requests: list[Request]) -> None:
    assert requests
    assert {urlsplit(request.url).hostname for request in requests} == {LOOPBACK}
    assert not [request.url for request in requests if _carries_position(request)]


@pytest.mark.parametrize("context", [GRANTED], indirect=True)
def test_sorting_by_distance_puts_the_nearest_first_and_sends_nothing(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    from playwright.sync_api import expect  # only where Playwright is installed

    hague_id, hague_km = _hague(site)
    requests = _watch_requests(page)
    page.add_init_script(_WATCH_GEOLOCATION)
    page.goto("/campaign/host")
    button = page.get_by_role("button", name="Sort by distance from me")
    expect(button).to_be_visible()
    expect(page.locator("#venue-sort-hint")).to_be_visible()
    before = _options(page)
    assert before[0]["value"] == ""
    assert not any(" km" in option["label"] for option in before)
    # Nothing asked for the position before the click.
    assert page.evaluate("window.__geolocationCalls") == 0

    button.click()
    status = page.locator(".venue-sort-status")
    expect(status).to_have_text(
        f"Sorted by distance. Nearest: \u2068{HAGUE}\u2069, {hague_km} km.", use_inner_text=True
    )
    assert page.evaluate("window.__geolocationCalls") == 1
    after = _options(page)
    # The same options, "Choose a mission…" still first and still chosen: the visitor chooses.
    assert sorted(o["value"] for o in after) == sorted(o["value"] for o in before)
    assert after[0]["value"] == ""
    assert page.locator("#venue").input_value() == ""
    assert after[1]["value"] == hague_id
    assert after[1]["label"] == f"NL · The Hague · {HAGUE} — {hague_km} km"
    # Nearest first; the places without a position after them, without a distance.
    placed = [o for o in after[1:] if o["placed"]]
    unplaced = [o for o in after[1:] if not o["placed"]]
    assert after[1:] == placed + unplaced
    distances = [float(re.sub(r"[^0-9.]", "", o["label"].rpartition("—")[2])) for o in placed]
    assert distances == sorted(distances)
    assert all(" km" not in o["label"] for o in unplaced)
    assert [o["label"] for o in unplaced] == [
        o["label"] for o in before if o["value"] in {u["value"] for u in unplaced}
    ]

    # The search still narrows the sorted list, by the places' names only.
    search = page.locator("#venue-filter")
    search.fill("Hague")
    assert _shown(page) == ["", hague_id]
    search.fill(f"{hague_km} km")
    assert _shown(page) == [""]
    search.fill("")
    assert _shown(page) == [o["value"] for o in after]
    page.locator("#venue").select_option(hague_id)
    assert page.locator("#venue").input_value() == hague_id

    # Sending the form sends the choice, not the position (422: the rest is empty).
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    page.wait_for_load_state("networkidle")
    [post] = [request for request in requests if request.method == "POST"]
    assert f"venue={hague_id}" in (post.post_data or "")
    _assert_nothing_sent(requests)
    assert browser_log.outside_requests == []
    page.evaluate("0")  # deliver queued console messages
    browser_log.console_errors.remove(UNPROCESSABLE_LOGGED)


def test_a_position_not_shared_changes_nothing(page: Page, browser_log: BrowserLog) -> None:
    """No permission granted: Chromium refuses, the list stays as it was and says so. The
    button is reached and pressed with the keyboard."""
    from playwright.sync_api import expect

    requests = _watch_requests(page)
    page.goto("/campaign/host")
    before = _options(page)
    page.locator("#venue-filter").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "venue-sort"
    page.keyboard.press("Space")
    expect(page.locator(".venue-sort-status")).to_have_text(
        "Your location was not shared, so the list is unchanged."
    )
    assert _options(page) == before
    assert page.locator("#venue").input_value() == ""
    # The search still works.
    page.locator("#venue-filter").fill("Berlin")
    assert [o["label"] for o in _options(page) if not o["hidden"]][1:] == [
        o["label"] for o in before if "Berlin" in o["label"]
    ]
    page.wait_for_load_state("networkidle")
    _assert_nothing_sent(requests)


@pytest.mark.parametrize("context", [GRANTED], indirect=True)
def test_sorting_on_a_persian_page(page: Page, site: Site) -> None:
    """Right to left, with the page's own digits; the place's name keeps its direction."""
    from playwright.sync_api import expect

    hague_id, hague_km = _hague(site)
    page.context.add_cookies([{"name": "lang", "value": "fa", "url": site.base_url}])
    page.goto("/campaign/host")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.locator(".venue-sort").click()
    persian_km = str(hague_km).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    expect(page.locator(".venue-sort-status")).to_contain_text(f"\u2068{HAGUE}\u2069")
    expect(page.locator(".venue-sort-status")).to_contain_text(persian_km)
    first = page.locator("#venue option").nth(1)
    assert first.get_attribute("value") == hague_id
    assert first.text_content() is not None
    assert f"\u2068NL · The Hague · {HAGUE}\u2069" in (first.text_content() or "")
    assert persian_km in (first.text_content() or "")


@pytest.mark.parametrize("context", [GRANTED], indirect=True)
def test_the_organizers_form_sorts_too_and_keeps_another_address_last(
    page: Page, site: Site
) -> None:
    from playwright.sync_api import expect

    hague_id, hague_km = _hague(site)
    sign_in(page, ORGANIZER_EMAIL)
    page.goto("/organize/events/new")
    page.get_by_role("button", name="Sort by distance from me").click()
    expect(page.locator(".venue-sort-status")).to_contain_text(f"{hague_km} km")
    options = _options(page)
    assert options[0]["value"] == ""
    assert options[1]["value"] == hague_id
    assert options[-1]["value"] == "other"
    assert " km" not in options[-1]["label"]
    assert any(BERLIN in o["label"] and " km" in o["label"] for o in options)
    assert page.locator("#venue").input_value() == ""


@pytest.mark.parametrize("context", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_only_the_select_shows(page: Page) -> None:
    page.goto("/campaign/host")
    assert page.locator("#venue").is_visible()
    for hidden in (".venue-filter", "#venue-filter", ".venue-sort", "#venue-sort-hint"):
        assert not page.locator(hidden).is_visible(), hidden
