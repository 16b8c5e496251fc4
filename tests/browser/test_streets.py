"""The street map in Chromium: a PMTiles archive drawn by protomaps-leaflet.

A second server of the same app and data runs with VIGIL_MAP_PMTILES: an archive
made at test time of road tiles around Alexanderplatz (tests/maps/streets.py). At
city zoom its streets are painted on the map's tile canvases (counted pixel by
pixel, against the same view of the site without an archive); the archive is read
in ranges that answer 206; and, as in every browser test, no request leaves this
machine's loopback server (the context fixture aborts and records any).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import (
    ALEXANDERPLATZ_TITLE,
    SERVER_SETTINGS,
    BrowserLog,
    Site,
    _serving,
)
from tests.conftest import make_app
from tests.maps.streets import make_street_archive

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

ALEXANDERPLATZ = (52.5219, 13.4132)
CITY_ZOOM = 14
ARCHIVE_PATH = "/map/streets.pmtiles"
# Pixels of the visible tile canvases that are painted (alpha > 0), as a share of all.
PAINTED = """
() => {
  let painted = 0, total = 0;
  for (const canvas of document.querySelectorAll(".leaflet-tile-pane canvas.leaflet-tile")) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) {
      total += 1;
      if (data[i] > 0) painted += 1;
    }
  }
  return {painted, total, canvases: document.querySelectorAll(".leaflet-tile-pane canvas").length};
}
"""


@dataclass
class StreetSite:
    base_url: str
    archive: Path
    server_errors: list[str]

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="module")
def street_site(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreetSite]:
    """The app with a street archive around Alexanderplatz, on the browser site's database."""
    folder = tmp_path_factory.mktemp("streets")
    archive = make_street_archive(folder / "berlin.pmtiles", *ALEXANDERPLATZ)
    assert archive.stat().st_size > 16_384  # more than browsers read first: tiles in ranges
    server_errors: list[str] = []
    app = make_app(
        site.database_url, **SERVER_SETTINGS, MAP_PMTILES=str(archive), CACHE_DIR=str(folder)
    )
    with _serving(app, server_errors) as base_url:
        yield StreetSite(base_url, archive, server_errors)


def _archive_responses(page: Page) -> list[Response]:
    responses: list[Response] = []

    def record(response: Response) -> None:
        if urlsplit(response.url).path == ARCHIVE_PATH:
            responses.append(response)

    page.on("response", record)
    return responses


def _city_view(page: Page, url: str) -> dict[str, Any]:
    """/map at ``url``, moved to Alexanderplatz at city zoom; what the tile canvases hold."""
    page.goto(url)
    page.wait_for_function("() => window.map_vigil !== undefined")
    lat, lon = ALEXANDERPLATZ
    page.evaluate(f"map_vigil.setView([{lat}, {lon}], {CITY_ZOOM}, {{animate: false}})")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # protomaps-leaflet paints after a short delay per tile
    painted: dict[str, Any] = page.evaluate(PAINTED)
    return painted


def test_streets_are_drawn_from_our_own_archive(
    page: Page, street_site: StreetSite, site: Site, browser_log: BrowserLog
) -> None:
    responses = _archive_responses(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    with_streets = _city_view(page, street_site.url("/map"))

    # The tile canvases are painted: roads cross every tile of the archive.
    assert with_streets["canvases"] >= 4
    assert with_streets["painted"] > 0.02 * with_streets["total"], with_streets
    assert page.locator(".map-vigil.has-streets").count() == 1
    # Read in ranges from this site, each a 206 with its Content-Range.
    assert len(responses) >= 2, [r.url for r in responses]
    for response in responses:
        assert response.status == 206
        assert response.request.headers["range"].startswith("bytes=")
        assert response.headers["content-range"].endswith(f"/{street_site.archive.stat().st_size}")
    assert any(r.request.headers["range"] != "bytes=0-16383" for r in responses)
    # Our attribution, as text; none of the renderer's links to other sites.
    attribution = page.locator(".map-vigil .leaflet-control-attribution")
    assert "© OpenStreetMap contributors, Protomaps" in attribution.inner_text()
    assert attribution.locator("a[href*='protomaps.com'], a[href*='openstreetmap']").count() == 0
    # Nothing but this site was asked for anything.
    hosts = {urlsplit(url).netloc for url in requests}
    assert hosts == {urlsplit(street_site.base_url).netloc}, hosts
    assert browser_log.outside_requests == []

    # The same view without an archive has no painted tiles: the streets are the archive's.
    without = _city_view(page, site.url("/map"))
    assert without["painted"] == 0, without
    assert street_site.server_errors == []


def test_the_street_map_is_off_at_world_zoom(
    page: Page, street_site: StreetSite, browser_log: BrowserLog
) -> None:
    responses = _archive_responses(page)
    page.goto(street_site.url("/map"))
    page.wait_for_function("() => window.map_vigil !== undefined")
    page.wait_for_load_state("networkidle")
    # The world map is the offline layer: the archive is not even opened.
    assert page.evaluate("map_vigil.getZoom()") < 8
    assert page.evaluate(PAINTED)["painted"] == 0
    assert responses == []


def test_the_venue_map_shows_its_streets_when_asked_for(
    page: Page, street_site: StreetSite, site: Site, browser_log: BrowserLog
) -> None:
    responses = _archive_responses(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(urlsplit(request.url).path))
    slug = site.places[ALEXANDERPLATZ_TITLE][1]
    page.goto(street_site.url(f"/events/{slug}"))
    page.wait_for_load_state("networkidle")
    # Neither the renderer nor the archive before the visitor asks for the map.
    assert not [path for path in requests if "protomaps" in path or path == ARCHIVE_PATH]
    page.locator(".map-venue").get_by_role("button", name="Show on a map").click()
    # window.map_venue is the map's element until folium's script makes it the map.
    page.wait_for_function("() => window.map_venue.getZoom && map_venue.getZoom() === 16")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    painted = page.evaluate(PAINTED)
    assert painted["painted"] > 0.02 * painted["total"], painted
    assert responses
    assert all(response.status == 206 for response in responses)
    assert browser_log.outside_requests == []
