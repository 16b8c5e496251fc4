"""The /map page: small whatever the data, strict CSP with folium's script by hash, no CDN.

Issue 5: the page loads its markers from /events.geojson, so its HTML must not
grow with the number of events (≤ 60 KB); folium's inline script runs by its
SHA-256 in the CSP, never by 'unsafe-inline' (design/security.md decision 5);
every asset comes from our own origin (decision 3).
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Venue
from tests.browser.conftest import HOSTILE_TITLES
from tests.conftest import sql_statements
from tests.factories import berlin_embassy, make_event, make_user
from tests.maps.conftest import World, one_more_event
from tests.maps.parsing import (
    attribute,
    csp_directives,
    event_cards,
    features,
    map_script,
    outside_urls,
    page_parts,
    titles,
)

PAGE_LIMIT = 60 * 1024


def _page(client: FlaskClient, url: str = "/map", **kwargs: Any) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def assert_csp_allows_no_inline_script(response: Any) -> None:
    """The page has no inline script (folium's is at its own URL) and script-src is 'self'."""
    html = response.get_data(as_text=True)
    assert page_parts(html).inline_scripts == []
    directives = csp_directives(response.headers["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'"):
        assert forbidden not in header
    assert directives["default-src"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    # No inline event handlers or styles that a hash could not cover anyway.
    for _tag, name, _value in page_parts(html).attributes:
        assert not name.startswith("on"), name
        assert name != "style"


def _add_events(count: int) -> None:
    organizer = make_user()
    venue = db.session.scalar(select(Venue).where(Venue.city == "Berlin")) or berlin_embassy()
    for n in range(count):
        make_event(
            venue,
            organizer=organizer,
            title=f"Vigil number {n:03d}",
            starts_local=datetime(2026, 12, 1, 10, 0) + timedelta(hours=n),  # noqa: DTZ001
            commit=False,
        )
    db.session.commit()


# --- size -----------------------------------------------------------------------------------


def test_the_page_does_not_grow_with_the_events(client: FlaskClient, app: Any) -> None:
    berlin_embassy()  # its country is in the country list from the start
    empty = client.get("/map").data
    _add_events(200)
    [place] = features(client)  # all at one venue
    assert place["properties"]["event_count"] == 200
    full = client.get("/map").data

    assert len(full) < PAGE_LIMIT
    assert abs(len(full) - len(empty)) <= 8, (len(empty), len(full))
    assert b"Vigil number" not in full


def test_no_event_title_is_in_the_page(client: FlaskClient, world: World) -> None:
    for title in HOSTILE_TITLES:
        one_more_event(world, title)
    html = _page(client)
    for event in world.events.values():
        assert event.title not in html, event.title
        assert event.slug not in html
    for title in HOSTILE_TITLES:
        assert title not in html
        assert title.replace("<", "&lt;").replace(">", "&gt;") not in html


def test_the_page_is_a_map_frame_with_its_data_sources(client: FlaskClient, world: World) -> None:
    html = _page(client)
    assert attribute(html, "div", "data-map") == ["vigil"]
    assert attribute(html, "div", "data-geojson") == ["/events.geojson"]
    assert attribute(html, "div", "data-places") == ["/map/places.json"]
    countries = attribute(html, "div", "data-countries")
    assert countries == ["/static/map/countries-110m.geojson"]
    # Every data source the page's script reads answers.
    for url in ("/events.geojson", "/map/places.json", countries[0]):
        with client.get(url) as response:
            assert response.status_code == 200, url
    assert 'id="map_vigil"' in html
    script = map_script(client, html)
    assert "var map_vigil = L.map(" in script
    assert "L.markerClusterGroup(" in script
    # Without operator tiles no tile settings are printed.
    assert attribute(html, "div", "data-tile-url") == []
    assert "tile-consent" not in html


# --- Content-Security-Policy ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/map", "/map?near=Berlin", "/map?near=-18,179.9&radius_km=2000", "/map?country=DE"]
)
def test_the_map_script_is_never_inline(client: FlaskClient, world: World, url: str) -> None:
    response = client.get(url)
    assert_csp_allows_no_inline_script(response)
    assert "var map_vigil = L.map(" in map_script(client, response.get_data(as_text=True))


def test_csp_is_right_on_a_cached_page(client: FlaskClient, world: World) -> None:
    first = client.get("/map?near=Berlin")
    db.session.commit()
    with sql_statements() as statements:
        again = client.get("/map?near=Berlin")
        other = client.get("/map")  # not cached yet: its own script URL
        other_again = client.get("/map")
    assert again.data == first.data
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert_csp_allows_no_inline_script(again)
    assert_csp_allows_no_inline_script(other)
    assert_csp_allows_no_inline_script(other_again)
    # The two maps have different centres: each page names its own script.
    assert map_script(client, again.get_data(as_text=True)) != map_script(
        client, other.get_data(as_text=True)
    )
    # Served from the page cache: only the uncached /map ran SQL, and it lists nothing
    # but the countries of its filter.
    assert [sql for sql in statements if sql != "BEGIN"] == [
        sql for sql in statements if "venues.country_code" in sql
    ]
    assert len([sql for sql in statements if sql != "BEGIN"]) == 1


def test_csp_of_a_cached_page_after_a_commit(client: FlaskClient, world: World) -> None:
    client.get("/map")
    one_more_event(world, "Vigil after the cache")
    assert_csp_allows_no_inline_script(client.get("/map"))
    assert_csp_allows_no_inline_script(client.get("/map"))


def test_csp_of_other_pages_has_no_hash(client: FlaskClient, world: World) -> None:
    client.get("/map")
    for url in ("/events", "/events.geojson", "/"):
        directives = csp_directives(client.get(url).headers["Content-Security-Policy"])
        assert directives["script-src"] == ["'self'"], url


# --- no third party -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/map", "/map?near=Berlin"])
def test_no_url_to_another_host(client: FlaskClient, world: World, url: str) -> None:
    html = _page(client, url)
    assert outside_urls(html) == []
    # Everything the browser loads by itself is on our own path.
    parts = page_parts(html)
    fetched = [
        value
        for tag, name, value in parts.attributes
        if name in {"src", "action", "poster", "srcset"} or (tag, name) == ("link", "href")
    ]
    assert fetched
    for value in fetched:
        assert value.startswith("/"), value
        assert not value.startswith("//"), value
    for name in ("cdn.jsdelivr.net", "cdnjs", "unpkg", "openstreetmap", "bootstrap", "jquery"):
        assert name not in html.lower(), name


def test_the_vendor_assets_the_page_names_are_served(client: FlaskClient, world: World) -> None:
    html = _page(client)
    parts = page_parts(html)
    assets = [
        value
        for tag, name, value in parts.attributes
        if (tag, name) in {("script", "src"), ("link", "href")}
    ]
    assert any(url.endswith("/leaflet.js") for url in assets)
    assert any(url.endswith("/leaflet.markercluster.js") for url in assets)
    assert any(url.endswith("/leaflet.css") for url in assets)
    for url in assets:
        with client.get(url) as response:
            assert response.status_code == 200, url


# --- near -----------------------------------------------------------------------------------


def _nearest(html: str) -> list[tuple[str, str | None]]:
    section = html.split('class="event-list nearest-list"', 1)
    assert len(section) == 2, "no nearest list"
    return event_cards(section[1].split("</ol>", 1)[0])


def test_near_lists_the_nearest_first(client: FlaskClient, world: World) -> None:
    html = _page(client, "/map?near=Berlin")
    nearest = _nearest(html)
    assert [title for title, _ in nearest] == world.titles("mitte", "dahlem", "potsdam")
    assert [distance for _, distance in nearest] == ["2.4 km away", "10 km away", "28 km away"]
    # The map is centred on Berlin.
    assert "center: [52.52437, 13.41053]" in map_script(client, html)


def test_near_with_nothing_in_the_radius(client: FlaskClient, world: World) -> None:
    html = _page(client, "/map?near=Tehran&radius_km=100")
    assert 'class="empty"' in html
    assert "within 100 km" in html
    # No dead end: the nearest event anywhere, with its distance (tests/maps/
    # test_nearest_fallback.py: the map opens wide enough to show it).
    assert "The nearest upcoming event is 3,508 km away" in html
    assert [title for title, _ in _nearest(html)] == world.titles("mitte")


def test_no_nearest_section_without_near(client: FlaskClient, world: World) -> None:
    html = _page(client)
    assert 'class="nearest"' not in html


@pytest.mark.parametrize(
    "query",
    [
        "near=Atlantis-on-Spree",
        "near=91,0",
        "near=NaN,0",
        "near=Berlin&radius_km=0",
        "near=Berlin&radius_km=2001",
        "near=Berlin&radius_km=abc",
        "country=XYZ",
        "from=2026-13-40",
        "bbox=1,2,3",
        "near=" + "x" * 10_000,
    ],
)
def test_bad_filters_are_a_400_page(client: FlaskClient, world: World, query: str) -> None:
    response = client.get(f"/map?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    # The map page again, its form showing what is wrong, where (never a bare error page).
    body = response.get_data(as_text=True)
    assert 'class="filters near-search"' in body
    assert '<p class="error" id="' in body
    if not query.startswith("bbox"):  # no input for the map area: named in the alert
        assert 'aria-invalid="true"' in body


# --- filters in the URL ---------------------------------------------------------------------


def test_filters_are_carried_into_the_markers_url(client: FlaskClient, world: World) -> None:
    query = (
        "country=DE&kind=vigil&from=2026-11-26&to=2026-12-31&q=vigil"
        "&near=Berlin&radius_km=300&bbox=0,0,1,1&page=2"
    )
    html = _page(client, f"/map?{query}")
    [url] = attribute(html, "div", "data-geojson")
    parts = urlsplit(url)
    assert parts.path == "/events.geojson"
    assert not parts.netloc
    carried = parse_qs(parts.query)
    assert carried == {
        "country": ["DE"],
        "kind": ["vigil"],
        "from": ["2026-11-26"],
        "to": ["2026-12-31"],
        "q": ["vigil"],
    }
    # The markers are those of the filtered list, all of them, not only the nearest.
    assert titles(client, parts.query) == world.titles("hamburg", "dahlem")


def test_filters_stay_in_the_forms(client: FlaskClient, world: World) -> None:
    html = _page(client, "/map?country=DE&kind=vigil&near=Berlin&radius_km=30")
    # The near form keeps the other filters, the filter form keeps near.
    assert 'name="country" value="DE"' in html
    assert 'name="kind" value="vigil"' in html
    assert 'name="near" value="Berlin"' in html
    assert 'value="30"' in html


def test_a_filtered_map_is_answered_from_the_same_markers_as_the_list(
    client: FlaskClient, world: World
) -> None:
    html = _page(client, "/map?city=berlin")
    [url] = attribute(html, "div", "data-geojson")
    assert titles(client, urlsplit(url).query) == world.titles("mitte", "dahlem")


# --- headers --------------------------------------------------------------------------------


def test_only_the_map_may_ask_for_the_location(client: FlaskClient, world: World) -> None:
    for url in ("/map", "/map?near=Berlin"):
        policy = client.get(url).headers["Permissions-Policy"]
        assert "geolocation=(self)" in policy, url
        assert "camera=()" in policy
    for url in ("/events", "/events.geojson", "/", f"/events/{world.events['mitte'].slug}"):
        policy = client.get(url).headers["Permissions-Policy"]
        assert "geolocation=()" in policy, url
        assert "geolocation=(self)" not in policy, url
    # Also on a 400 page of /map the button is the same page.
    assert "geolocation=" in client.get("/map?near=Atlantis").headers["Permissions-Policy"]


def test_the_page_is_served_from_the_cache(client: FlaskClient, world: World) -> None:
    first = client.get("/map?near=Berlin&radius_km=25")
    db.session.commit()
    with sql_statements() as statements:
        again = client.get("/map?near=Berlin&radius_km=25")
    assert statements == []
    assert again.data == first.data
    assert again.headers["Permissions-Policy"] == first.headers["Permissions-Policy"]
    # A change shows at once.
    one_more_event(world, "A vigil at the embassy tomorrow", days=1)
    assert "A vigil at the embassy tomorrow" in _page(client, "/map?near=Berlin&radius_km=25")


# --- the offline base layer -----------------------------------------------------------------


def test_city_labels_for_the_offline_map(client: FlaskClient, app: Any) -> None:
    response = client.get("/map/places.json", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    places = json.loads(response.data)
    assert len(places) > 500
    for name, latitude, longitude, rank in places:
        assert isinstance(name, str)
        assert name
        assert -90 <= latitude <= 90
        assert -180 <= longitude <= 180
        assert rank in {0, 1, 2}
    by_name = {name: (latitude, longitude, rank) for name, latitude, longitude, rank in places}
    assert by_name["Tehran"][2] == 0
    assert by_name["Berlin"][:2] == pytest.approx((52.524, 13.411), abs=0.001)
    assert by_name["Berlin"][2] == 1
    # Largest first: the ranks never go back up.
    ranks = [rank for *_, rank in places]
    assert ranks == sorted(ranks)


def test_city_labels_are_cached_by_the_browser(client: FlaskClient, app: Any) -> None:
    plain = client.get("/map/places.json", headers={"Accept-Encoding": "identity"})
    packed = client.get("/map/places.json", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(packed.data) == plain.data
    assert "max-age=" in plain.headers["Cache-Control"]
    for response in (plain, packed):
        etag = response.headers["ETag"]
        encoding = response.headers.get("Content-Encoding", "identity")
        again = client.get(
            "/map/places.json", headers={"Accept-Encoding": encoding, "If-None-Match": etag}
        )
        assert again.status_code == 304
        assert again.data == b""
