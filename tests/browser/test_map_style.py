"""The map's look in Chromium: popups in the site's style, cancelled events told apart,
the map as wide as the page.

Colours are read back as the browser computed them, so a rule that leaflet.css
(loaded after site.css) overrides fails here. The partly cancelled place is made by
changing /events.geojson on its way to the page, not the shared site's data.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.browser.conftest import BERLIN, BrowserLog
from tests.browser.test_map import POPUP, _clean, _open_popup, _wait_for_markers

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

# site.css: --paper, --accent, --danger.
PAPER = "rgb(253, 252, 249)"
ACCENT = "rgb(11, 107, 58)"
DANGER = "rgb(164, 22, 26)"


def _style(page: Page, selector: str, *properties: str) -> list[str]:
    values: list[str] = page.locator(selector).first.evaluate(
        "(element, names) => names.map(name => getComputedStyle(element)[name])", list(properties)
    )
    return values


def test_popups_are_in_the_sites_style(page: Page, browser_log: BrowserLog) -> None:
    page.goto("/map")
    _wait_for_markers(page)
    _open_popup(page, BERLIN)
    wrapper = ".leaflet-popup-content-wrapper"
    assert _style(page, wrapper, "backgroundColor", "borderRadius") == [PAPER, "6px"]
    assert _style(page, f"{POPUP} .venue-event > a", "color", "fontWeight") == [ACCENT, "600"]
    # A number on its marker, in the middle of its disc (not in a corner).
    assert _style(page, "[data-test-target]", "display", "justifyContent") == ["flex", "center"]
    _clean(page, browser_log, "with a popup")


def test_the_map_is_as_wide_as_the_page(page: Page, browser_log: BrowserLog) -> None:
    page.goto("/map")
    _wait_for_markers(page)
    main = page.locator("main").bounding_box()
    frame = page.locator(".map-vigil").bounding_box()
    heading = page.locator("main h1").bounding_box()
    assert main is not None
    assert frame is not None
    assert heading is not None
    assert frame["width"] >= main["width"] - 2 * 16 - 1  # all but main's padding
    assert frame["width"] > 1200  # the viewport is 1280 wide
    # The words keep their reading column.
    assert heading["width"] <= 50 * 16
    _clean(page, browser_log, "on the wide map")


def _one_cancelled_in_berlin(route: Route) -> None:
    """/events.geojson as the server sent it, with the first event at the embassy cancelled."""
    response = route.fetch()
    collection = json.loads(response.body())
    for feature in collection["features"]:
        properties = feature["properties"]
        if properties["venue"] == BERLIN:
            properties["events"][0]["cancelled"] = True
            properties["cancelled_count"] = 1
    route.fulfill(response=response, body=json.dumps(collection))


def test_cancelled_events_are_told_apart_in_markers_and_popups(
    page: Page, browser_log: BrowserLog
) -> None:
    page.route("**/events.geojson*", _one_cancelled_in_berlin)
    page.goto("/map")
    _wait_for_markers(page)

    # A place whose events are all cancelled: a hollow disc, dashed red ring.
    _open_popup(page, "Place de la République")
    hollow = _style(
        page, "[data-test-target]", "backgroundColor", "borderTopStyle", "borderTopColor", "color"
    )
    assert hollow == [PAPER, "dashed", DANGER, DANGER]
    page.keyboard.press("Escape")

    # A place with some cancelled: its usual disc with a red mark, the number in its title.
    _open_popup(page, BERLIN)
    marker = page.locator("[data-test-target]")
    assert "marker-some-cancelled" in (marker.get_attribute("class") or "")
    assert "marker-cancelled" not in (marker.get_attribute("class") or "").split()
    count = marker.inner_text()
    assert marker.get_attribute("title") == f"{BERLIN} (events: {count}, cancelled: 1)"
    mark = marker.evaluate("element => getComputedStyle(element, '::after').backgroundColor")
    assert mark == DANGER
    # In the popup: the cancelled event struck through, with a red bar and its badge;
    # the others as they were.
    items = page.locator(f"{POPUP} ol.venue-events > li")
    cancelled, other = items.nth(0), items.nth(1)
    assert "is-cancelled" in (cancelled.get_attribute("class") or "")
    assert cancelled.locator(".badge-cancelled").inner_text() == "Cancelled"
    bar = cancelled.evaluate(
        "element => [getComputedStyle(element).borderInlineStartColor,"
        " getComputedStyle(element.querySelector('a')).textDecorationLine]"
    )
    assert bar == [DANGER, "line-through"]
    assert other.locator(".badge-cancelled").count() == 0
    assert other.locator("a").evaluate("a => getComputedStyle(a).textDecorationLine") != (
        "line-through"
    )
    _clean(page, browser_log, "with cancelled events")
