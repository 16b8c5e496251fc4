"""The maps in Chromium: markers, popups, near me, tiles only after consent.

One marker per place showing its number of events; its popup lists the
first three and "Show all N" fetches the rest from the place's own document.

Everything is driven through real clicks and typing. The Leaflet objects folium
creates (``window.map_vigil``, ``window.marker_cluster_events``) are only read:
to know which cluster holds a marker before clicking it, where the map centre is,
and when an animation has ended.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Occurrence, Venue
from tests.browser.conftest import (
    ALEXANDERPLATZ_TITLE,
    BERLIN,
    CANCELLED_TITLE,
    DRAFT_TITLE,
    HAMBURG_TITLE,
    HOSTILE_TITLES,
    HOSTILE_VENUE_NAME,
    HOSTILE_VENUE_TITLE,
    NO_POSITION_TITLE,
    ORGANIZER_EMAIL,
    SAMPLE_TITLE,
    BrowserLog,
    Site,
    TiledSite,
    sign_in,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import BrowserContext, Page

FRAME = ".map-vigil"
# City labels are Leaflet markers too (divIcons); event markers and clusters are the rest.
EVENT_ICONS = ".leaflet-marker-pane .leaflet-marker-icon:not(.city-label)"
POPUP = ".leaflet-popup-content .map-popup"
# GeoNames' Berlin, where "near=Berlin" puts the centre.
BERLIN_CITY = (52.52437, 13.41053)
# Where the seeded venues are (tests/browser/conftest.py), by event title.
VENUE_POSITIONS = {
    SAMPLE_TITLE: (52.4609, 13.2998),
    HOSTILE_VENUE_TITLE: (50.1109, 8.6821),
}
HAMBURG_DEVICE = {"latitude": 53.551086, "longitude": 9.993682, "accuracy": 30}


# --- Helpers ---------------------------------------------------------------------------


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _public_events_with_position(site: Site) -> list[tuple[str, float, float]]:
    """(title, latitude, longitude) of what the map must show, from the server's database.

    Read at test time: other browser tests add events to the same server.
    """
    assert site.app is not None
    with site.app.app_context():
        rows = db.session.execute(
            select(Event.title, Venue.latitude, Venue.longitude)
            .join(Venue, Event.venue_id == Venue.id)
            .where(
                Event.status.in_(("published", "cancelled")),
                Venue.latitude.is_not(None),
                Event.occurrences.any(Occurrence.ends_at > datetime.now(UTC)),
            )
        ).all()
        db.session.remove()
    return [(title, lat, lon) for title, lat, lon in rows]


def _public_titles_with_position(site: Site) -> list[str]:
    return sorted(title for title, _, _ in _public_events_with_position(site))


def _places_with_events(site: Site) -> dict[str, int]:
    """How many public upcoming events each place with a position has, by its name."""
    assert site.app is not None
    with site.app.app_context():
        rows = db.session.execute(
            select(Venue.name, func.count(Event.id))
            .join(Venue, Event.venue_id == Venue.id)
            .where(
                Event.status.in_(("published", "cancelled")),
                Venue.latitude.is_not(None),
                Event.occurrences.any(Occurrence.ends_at > datetime.now(UTC)),
            )
            .group_by(Venue.id, Venue.name)
        ).all()
        db.session.remove()
    return {name: int(count) for name, count in rows}


def _wait_for_markers(page: Page, frame: str = FRAME) -> int:
    """How many events the page's markers hold, once its script loaded them."""
    loaded = page.locator(f"{frame}[data-loaded]").get_attribute("data-loaded")
    assert loaded is not None
    assert loaded != "error", page.locator(".map-status").inner_text()
    return int(loaded)


def _shown_on_map(page: Page) -> int:
    """Events drawn in the view: the number on each place's marker and on each cluster."""
    counts = page.locator(f"{FRAME} {EVENT_ICONS}").evaluate_all(
        "icons => icons.map(icon => Number(icon.textContent))"
    )
    return sum(counts)


def _settled(page: Page, action: Callable[[], Any], map_name: str = "map_vigil") -> None:
    """Do ``action`` (a click, a wheel turn, a drag) and wait until the map stands still."""
    page.evaluate(
        """name => {
          const map = window[name], group = window.marker_cluster_events;
          window.__settled = false;
          const done = () => { window.__settled = true; };
          map.once('moveend', done);
          if (group) group.once('spiderfied', done);
        }""",
        map_name,
    )
    action()
    # Always a function: Playwright eval()s a bare expression at every poll, which the
    # page's CSP refuses (a recorded violation); a function is evaluated once.
    page.wait_for_function("() => window.__settled")
    _wait_for_stillness(page)


def _wait_for_stillness(page: Page) -> None:
    """Until no marker or cluster is moving: a click must land where it was aimed."""
    page.wait_for_function(
        """() => !(window.marker_cluster_events && marker_cluster_events._inZoomAnimation)
                 && document.getAnimations().every(a => a.playState !== 'running')"""
    )


# Marks what shows the marker of the place named `name` now: the marker, or its cluster.
_TARGET = """name => {
  const group = window.marker_cluster_events;
  const marker = group.getLayers().find(layer => layer.feature.properties.venue === name);
  if (!marker) return 'missing';
  for (const old of document.querySelectorAll('[data-test-target]')) {
    old.removeAttribute('data-test-target');
  }
  const shown = group.getVisibleParent(marker);
  if (!shown) return 'off-screen';
  shown._icon.setAttribute('data-test-target', '');
  return shown === marker ? 'marker' : 'cluster';
}"""


def _open_popup(page: Page, place: str) -> None:
    """Click clusters (zooming in, then spiderfying) until the place's marker can be clicked."""
    for _ in range(20):
        _wait_for_stillness(page)
        target = page.evaluate(_TARGET, place)
        assert target in {"marker", "cluster"}, f"{place!r} is {target}"
        clicked = page.locator("[data-test-target]")
        if target == "marker":
            clicked.click()
            page.locator(POPUP).wait_for()
            return
        _settled(page, clicked.click)
    pytest.fail(f"no marker for {place!r} after 20 clicks")


def _assert_nothing_injected(page: Page) -> None:
    injected = page.evaluate(
        """() => ({
          injected: document.querySelectorAll('img[src="x"], [onerror], [onload]').length,
          inline: document.querySelectorAll('body script:not([src])').length,
          maps: document.querySelectorAll('.map-frame:not(.is-lazy)').length,
          scripts: document.querySelectorAll('body script[src^="/map"]').length,
        })"""
    )
    # No inline script at all: each map's script is a file of this site (/map.js…).
    expected = {"injected": 0, "inline": 0, "maps": injected["maps"]}
    assert injected == {**expected, "scripts": injected["maps"]}


def _clean(page: Page, browser_log: BrowserLog, where: str) -> None:
    page.evaluate("0")  # deliver queued console messages and CSP reports
    browser_log.assert_clean(where)


# --- /map ----------------------------------------------------------------------------


def test_map_shows_a_marker_for_every_place_with_public_events(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    expected = _public_titles_with_position(site)
    assert {SAMPLE_TITLE, *HOSTILE_TITLES, CANCELLED_TITLE, HAMBURG_TITLE} <= set(expected)
    assert DRAFT_TITLE not in expected
    assert NO_POSITION_TITLE not in expected
    places = _places_with_events(site)
    assert places[BERLIN] >= 1 + len(HOSTILE_TITLES)

    page.goto("/map")
    loaded = _wait_for_markers(page)
    assert loaded == len(expected)
    # The world view shows them all, as clusters and places, each with its number.
    assert _shown_on_map(page) == len(expected)
    assert page.locator(".map-status").inner_text() == f"Events on the map: {len(expected)}"
    shown = page.evaluate(
        """marker_cluster_events.getLayers().map(marker => [
             marker.feature.properties.venue,
             Number(marker.options.icon.options.html.textContent)])"""
    )
    assert len(shown) == len(places)  # one marker per place
    assert dict(shown) == places
    _clean(page, browser_log, "on /map")


def test_a_places_popup_lists_its_events_and_show_all_loads_the_rest(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    """The embassy holds the sample vigil and the hostile titles, all at the same hour:
    the popup lists three, "Show all" fetches the others from this site alone."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    count = _places_with_events(site)[BERLIN]
    page.goto("/map")
    _wait_for_markers(page)
    _open_popup(page, BERLIN)
    marker = page.locator("[data-test-target]")
    assert marker.inner_text() == str(count)
    assert marker.get_attribute("title") == f"{BERLIN} (events: {count})"

    popup = page.locator(POPUP)
    assert popup.locator("h3").text_content() == f"{BERLIN}, Berlin (DE)"
    items = popup.locator("ol.venue-events > li")
    assert items.count() == 3
    first = items.first
    assert first.locator("a").text_content() == SAMPLE_TITLE
    assert first.locator("a").get_attribute("href") == f"/events/{site.sample_slug}"
    assert re.fullmatch(r"Vigil · .*18:00.*CES?T", first.locator("p.when").text_content() or "")
    show_all = popup.get_by_role("button", name=f"Show all {count}")
    assert show_all.is_visible()

    with page.expect_response(re.compile(r"/venues/[0-9]+/events\.json$")) as listed:
        show_all.click()
    assert listed.value.status == 200
    items.nth(count - 1).wait_for()
    assert items.count() == count
    assert popup.locator("button.show-all").count() == 0
    # The keyboard goes on at the first event just loaded.
    assert page.evaluate("() => document.activeElement.textContent") == HOSTILE_TITLES[2]
    links = {
        item.locator("a").text_content(): item.locator("a").get_attribute("href")
        for item in items.all()
    }
    for title in HOSTILE_TITLES:
        _, slug = site.hostile[title]
        assert links[title] == f"/events/{slug}"
    assert popup.locator(".badge-cancelled").count() == 0
    # Reopened, the popup keeps the whole list without asking again.
    fetched = len([url for url in requested if "/venues/" in url])
    page.keyboard.press("Escape")
    page.locator("[data-test-target]").click()
    page.locator(POPUP).wait_for()
    assert page.locator(f"{POPUP} ol.venue-events > li").count() == count
    assert len([url for url in requested if "/venues/" in url]) == fetched == 1

    _assert_nothing_injected(page)
    assert browser_log.dialogs == []
    assert browser_log.outside_requests == []
    foreign = [url for url in requested if not url.startswith(site.base_url + "/")]
    assert foreign == []
    _clean(page, browser_log, "with the embassy's popup, all of it")


def test_a_place_whose_events_are_all_cancelled_has_its_own_marker_and_badges(
    page: Page, browser_log: BrowserLog
) -> None:
    page.goto("/map")
    _wait_for_markers(page)
    _open_popup(page, "Place de la République")
    assert "marker-cancelled" in (page.locator("[data-test-target]").get_attribute("class") or "")
    item = page.locator(f"{POPUP} ol.venue-events > li")
    assert item.locator("a").text_content() == CANCELLED_TITLE
    assert item.locator(".badge.badge-cancelled").text_content() == "Cancelled"
    # Exactly the places whose events are all cancelled have the cancelled icon (other
    # browser test modules share the site and may cancel events of their own).
    cancelled = page.evaluate(
        """() => marker_cluster_events.getLayers()
                   .filter(m => m.options.icon.options.className.includes('marker-cancelled'))
                   .map(m => m.feature.properties.venue)"""
    )
    features = page.evaluate("async () => (await (await fetch('/events.geojson')).json()).features")
    expected = [
        f["properties"]["venue"]
        for f in features
        if f["properties"]["cancelled_count"] == f["properties"]["event_count"]
    ]
    assert "Place de la République" in cancelled
    assert sorted(cancelled) == sorted(expected)
    assert len(features) > len(expected)  # and the others do not
    _clean(page, browser_log, "with the cancelled popup")


def test_map_stays_on_this_site_while_zooming_and_panning(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with (
        page.expect_response("**/static/map/countries-110m.geojson") as countries,
        page.expect_response("**/map/places.json") as places,
    ):
        page.goto("/map")
    assert countries.value.status == 200
    assert places.value.status == 200
    _wait_for_markers(page)
    # The offline base layer: Natural Earth's outlines and the largest cities' names.
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-countries-pane path').length > 150"
    )
    labels = page.locator(f"{FRAME} .city-label")
    assert "Tehran" in labels.all_text_contents()
    assert "Leipzig" not in labels.all_text_contents()  # small cities wait for a closer view

    box = page.locator("#map_vigil").bounding_box()
    assert box is not None
    # Zoom in on Germany with the wheel, then drag the map about.
    berlin = page.evaluate("map_vigil.latLngToContainerPoint([52.52, 13.40])")
    page.mouse.move(box["x"] + berlin["x"], box["y"] + berlin["y"])
    for _ in range(3):
        _settled(page, lambda: page.mouse.wheel(0, -240))
    assert page.evaluate("map_vigil.getZoom()") >= 5
    # Cities of a million and more are labelled from zoom 4 on.
    assert "Berlin" in page.locator(f"{FRAME} .city-label").all_text_contents()

    def drag() -> None:
        page.mouse.down()
        page.mouse.move(box["x"] + 200, box["y"] + 150, steps=8)
        page.mouse.up()

    page.mouse.move(box["x"] + 400, box["y"] + 300)
    _settled(page, drag)
    page.wait_for_load_state("networkidle")
    shown = page.locator(f"{FRAME} .city-label").all_text_contents()
    assert shown, "no city label after zooming"
    assert page.locator(f"{FRAME} {EVENT_ICONS}").count() > 0

    assert browser_log.outside_requests == []
    assert requested
    foreign = [url for url in requested if not url.startswith(site.base_url + "/")]
    assert foreign == []
    _clean(page, browser_log, "after zooming and panning")


def test_near_a_city_centres_the_map_and_lists_the_nearest_first(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    page.goto("/map")
    page.locator("#near").fill("Berlin")
    page.locator("form.near-search [type=submit]").click()
    page.wait_for_url(re.compile(r"/map\?near=Berlin&radius_km=50$"))
    _wait_for_markers(page)

    center = page.evaluate("map_vigil.getCenter()")
    assert _distance_km((center["lat"], center["lng"]), BERLIN_CITY) < 1
    # Alexanderplatz (0.3 km) is nearer than anything else; the embassy is 10 km away.
    nearby = sorted(
        (distance, title)
        for title, lat, lon in _public_events_with_position(site)
        if (distance := _distance_km(BERLIN_CITY, (lat, lon))) <= 50
    )
    assert nearby[0][1] == ALEXANDERPLATZ_TITLE
    assert nearby[1][0] > 5
    assert {SAMPLE_TITLE, *HOSTILE_TITLES} <= {title for _, title in nearby}
    assert HAMBURG_TITLE not in {title for _, title in nearby}
    cards = page.locator(".nearest-list li")
    assert cards.first.locator("h3 a").inner_text() == ALEXANDERPLATZ_TITLE
    assert cards.first.locator("p.distance").inner_text() == "0.3 km away"
    assert sorted(cards.locator("h3 a").all_inner_texts()) == sorted(t for _, t in nearby)
    shown = [
        float(re.sub(r"[^0-9.]", "", text))
        for text in cards.locator("p.distance").all_inner_texts()
    ]
    assert shown == sorted(shown)
    assert shown == pytest.approx([distance for distance, _ in nearby], abs=0.5)
    # The markers still show every event, not only the nearest.
    assert page.locator(f"{FRAME}").get_attribute("data-geojson") == "/events.geojson"
    _clean(page, browser_log, "near Berlin")


_WATCH_GEOLOCATION = """
window.__geolocationCalls = 0;
if (navigator.geolocation) {
  for (const name of ['getCurrentPosition', 'watchPosition']) {
    const original = navigator.geolocation[name].bind(navigator.geolocation);
    navigator.geolocation[name] = (...args) => {
      window.__geolocationCalls += 1;
      return original(...args);
    };
  }
}
"""


def test_use_my_location_asks_only_on_click_and_rounds_the_position(
    context: BrowserContext, page: Page, site: Site, browser_log: BrowserLog
) -> None:
    context.grant_permissions(["geolocation"], origin=site.base_url)
    context.set_geolocation(HAMBURG_DEVICE)
    page.add_init_script(_WATCH_GEOLOCATION)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.goto("/map")
    _wait_for_markers(page)
    locate = page.locator("button.locate")
    assert locate.is_visible()
    page.wait_for_load_state("networkidle")
    # Nothing asked for the position yet, and nothing was sent.
    assert page.evaluate("window.__geolocationCalls") == 0
    assert navigations == [site.url("/map")]
    assert "near" not in page.url

    locate.click()
    page.wait_for_url(re.compile(r"/map\?near="))
    query = parse_qs(urlsplit(page.url).query)
    # Rounded to two decimals (about a kilometre) before it leaves the browser.
    assert query["near"] == ["53.55,9.99"]
    assert len(navigations) == 2
    _wait_for_markers(page)
    cards = page.locator(".nearest-list li")
    assert cards.count() == 1  # only Hamburg's within the default 50 km
    assert HAMBURG_TITLE in cards.first.inner_text()
    center = page.evaluate("map_vigil.getCenter()")
    assert _distance_km((center["lat"], center["lng"]), (53.55, 9.99)) < 0.5
    _clean(page, browser_log, "after using the location")


# --- Street tiles from another origin -------------------------------------------------------


def test_street_tiles_load_only_after_consent_and_for_the_rest_of_the_session(
    context: BrowserContext, page: Page, tiled_site: TiledSite, browser_log: BrowserLog
) -> None:
    tiles = tiled_site.tile_requests
    tiles.clear()
    page.goto(tiled_site.url("/map"))
    _wait_for_markers(page)
    notice = page.locator(".tile-consent")
    assert notice.is_visible()
    host = urlsplit(tiled_site.tile_origin).netloc
    assert host in notice.inner_text()
    page.wait_for_load_state("networkidle")
    assert tiles == [], "tiles were requested before the visitor agreed"
    assert page.locator(f"{FRAME} img.leaflet-tile").count() == 0

    notice.get_by_role("button", name="Load the street map").click()
    page.wait_for_selector(f"{FRAME} img.leaflet-tile-loaded")
    assert notice.is_hidden()
    assert tiles
    assert all(re.fullmatch(r"/2/[0-9]+/[0-9]+\.png", path) for path in tiles), tiles
    srcs = page.locator(f"{FRAME} img.leaflet-tile").evaluate_all("imgs => imgs.map(i => i.src)")
    assert all(src.startswith(tiled_site.tile_origin + "/") for src in srcs), srcs
    # The operator's attribution is text, not HTML.
    attribution = page.locator(f"{FRAME} .leaflet-control-attribution")
    assert "Test tiles <b>not bold</b>" in attribution.inner_text()
    assert attribution.locator("b").count() == 0
    assert page.evaluate("sessionStorage.getItem('vigil-street-tiles')") == "yes"

    # A reload in the same tab remembers the answer.
    before = len(tiles)
    page.reload()
    _wait_for_markers(page)
    page.wait_for_selector(f"{FRAME} img.leaflet-tile-loaded")
    assert len(tiles) > before
    assert notice.is_hidden()

    # Another tab is asked again (sessionStorage belongs to one tab).
    other = context.new_page()
    before = len(tiles)
    other.goto(tiled_site.url("/map"))
    _wait_for_markers(other)
    assert other.locator(".tile-consent").is_visible()
    other.wait_for_load_state("networkidle")
    assert len(tiles) == before

    assert tiled_site.server_errors == []
    for tab in (page, other):
        _clean(tab, browser_log, "on the map with street tiles")


# --- Event page and organizer form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "venue"), [(SAMPLE_TITLE, BERLIN), (HOSTILE_VENUE_TITLE, HOSTILE_VENUE_NAME)]
)
def test_event_page_shows_the_venue_on_a_map(
    page: Page, site: Site, browser_log: BrowserLog, title: str, venue: str
) -> None:
    slug = site.sample_slug if title == SAMPLE_TITLE else site.places[title][1]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(urlsplit(request.url).path))
    page.goto(f"/events/{slug}")
    assert page.get_by_role("heading", level=1).inner_text() == title
    # Leaflet is loaded only when asked for.
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => typeof window.L") == "undefined"
    assert not [path for path in requested if "/vendor/" in path or path.endswith("/map.js")]
    show = page.locator(".map-venue").get_by_role("button", name="Show on a map")
    show.click()
    marker = page.locator(f".map-venue {EVENT_ICONS}")
    marker.wait_for()
    assert marker.count() == 1
    show.wait_for(state="detached")  # once maps.js has run too
    assert f"/events/{slug}/map.js" in requested
    # The marker stands on the venue.
    lat, lon = VENUE_POSITIONS[title]
    box = marker.bounding_box()
    map_box = page.locator("#map_venue").bounding_box()
    assert box is not None
    assert map_box is not None
    point = page.evaluate(f"map_venue.latLngToContainerPoint([{lat}, {lon}])")
    tip_x, tip_y = box["x"] + box["width"] / 2, box["y"] + box["height"]
    assert abs(tip_x - (map_box["x"] + point["x"])) < 2
    assert abs(tip_y - (map_box["y"] + point["y"])) < 2
    # Its tooltip is the venue's name, as text.
    marker.hover()
    tooltip = page.locator(".map-venue .leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == venue
    assert tooltip.locator("b, script").count() == 0
    _assert_nothing_injected(page)
    _clean(page, browser_log, f"on the page of {title!r}")


def test_picker_writes_the_clicked_point_into_the_form(page: Page, browser_log: BrowserLog) -> None:
    sign_in(page, ORGANIZER_EMAIL)
    page.goto("/organize/events/new")
    page.locator("details.other-venue summary").click()
    picker = page.locator("#map_picker")
    picker.scroll_into_view_if_needed()
    latitude, longitude = page.locator("#venue_latitude"), page.locator("#venue_longitude")
    assert latitude.input_value() == longitude.input_value() == ""
    # The map knows its real size once the section is open.
    box = picker.bounding_box()
    assert box is not None
    size = page.evaluate("map_picker.getSize()")
    assert (size["x"], size["y"]) == (round(box["width"]), round(box["height"]))

    for x, y in ((300, 100), (120, 200)):
        picker.click(position={"x": x, "y": y})
        lat, lon = latitude.input_value(), longitude.input_value()
        assert re.fullmatch(r"-?[0-9]{1,2}\.[0-9]{5}", lat), lat
        assert re.fullmatch(r"-?[0-9]{1,3}\.[0-9]{5}", lon), lon
        # The written point is where the click was (within a pixel), and the marker is there.
        point = page.evaluate(f"map_picker.latLngToContainerPoint([{lat}, {lon}])")
        assert abs(point["x"] - x) <= 1.5
        assert abs(point["y"] - y) <= 1.5
        marker = page.locator(f".map-picker {EVENT_ICONS}")
        assert marker.count() == 1
        marker_box = marker.bounding_box()
        assert marker_box is not None
        assert abs(marker_box["x"] + marker_box["width"] / 2 - (box["x"] + x)) < 2
        assert abs(marker_box["y"] + marker_box["height"] - (box["y"] + y)) < 2
    _clean(page, browser_log, "on the organizer form")


# --- Right to left ---------------------------------------------------------------------------


def test_persian_map_shows_markers_and_popups(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    persian = HOSTILE_TITLES[-1]
    page.goto("/language/fa?next=/map")
    assert page.url.endswith("/map")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expected = _public_titles_with_position(site)
    assert _wait_for_markers(page) == len(expected)
    assert _shown_on_map(page) == len(expected)
    assert str(len(expected)) in page.locator(".map-status").inner_text()
    assert page.locator(f"{FRAME} .leaflet-countries-pane path").count() > 150

    _open_popup(page, BERLIN)
    popup = page.locator(POPUP)
    popup.locator("button.show-all").click()
    link = popup.locator("ol.venue-events > li a", has_text=persian)
    link.wait_for()
    assert link.text_content() == persian
    assert popup.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert popup.locator("p.when").first.text_content()
    # The popup stands above its marker, inside the map.
    marker_box = page.locator("[data-test-target]").bounding_box()
    popup_box = page.locator(f"{FRAME} .leaflet-popup").bounding_box()
    map_box = page.locator("#map_vigil").bounding_box()
    assert marker_box is not None
    assert popup_box is not None
    assert map_box is not None
    assert popup_box["y"] + popup_box["height"] <= marker_box["y"] + 1
    assert (
        popup_box["x"]
        < marker_box["x"] + marker_box["width"] / 2
        < (popup_box["x"] + popup_box["width"])
    )
    assert map_box["x"] <= popup_box["x"]
    assert popup_box["x"] + popup_box["width"] <= map_box["x"] + map_box["width"]
    _assert_nothing_injected(page)
    _clean(page, browser_log, "on the Persian map")
