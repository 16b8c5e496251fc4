"""folium maps that make no third-party request and run no event text as code.

design/security.md §3.1: folium's defaults load Leaflet, jQuery, Bootstrap and
fonts from five CDNs and tiles from openstreetmap.org; its popups and tooltips
run hostile titles. Here every map has no tiles of folium's (the offline base
layer and the operator's optional tiles are added by static/js/maps.js), its
assets are our own copies (app.maps.vendor), text reaches folium only through
``safe_text``, and the one inline script folium writes runs by its hash.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import folium
from flask import current_app, url_for
from folium.plugins import MarkerCluster
from markupsafe import Markup

from app.maps.archive import current_archive
from app.maps.vendor import vendor_url
from app.models import Venue
from app.urls import site_origin
from app.venues.geo import Near


def safe_text(text: str) -> str:
    """``text`` as inert HTML inside folium's JavaScript template literals.

    HTML escaping alone leaves ``${…}``, backslashes and backticks, which end or
    run code inside the literal folium writes (design/security.md §3.1).
    """
    escaped = html.escape(text, quote=True)
    return escaped.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


@dataclass(frozen=True)
class RenderedMap:
    """A folium map as two pieces of a page: its element and its inline script."""

    element: Markup
    script: Markup


class NamedMap(folium.Map):
    """A folium map whose JavaScript variable is ``map_<name>``, not a random one.

    The stable name lets static/js/maps.js find the Leaflet map folium created.
    """

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(**options)
        # folium names an element "<_name>_<_id>" (Element.get_name); _id is random.
        self._id = name


class NamedMarkerCluster(MarkerCluster):
    """A folium marker cluster whose JavaScript variable is ``marker_cluster_<name>``."""

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(**options)  # type: ignore[no-untyped-call]
        self._id = name  # as in NamedMap


def new_map(name: str, **options: Any) -> folium.Map:
    """A map without folium's tiles, whose JavaScript variable is ``map_<name>``."""
    # Leaflet takes its zoom range from the tile layer; without folium's tiles the map
    # needs its own (markercluster refuses a map without maxZoom).
    return NamedMap(name, tiles=None, minZoom=1, maxZoom=18, **options)


def render(figure: folium.Map) -> RenderedMap:
    """Render ``figure``'s element and script.

    folium's header (CDN links, inline styles) is not used: templates/maps/_map.html
    loads our own copies of Leaflet and site.css sizes maps. The script is never
    inline (the CSP allows none): each map's script has its own URL (app.maps.views).
    The maps' names are fixed (NamedMap), so an element and a script rendered apart match.
    """
    root: Any = figure.get_root()  # a branca Figure: typed as a bare Element
    root.render()
    # Both come from folium's templates with our text already passed through safe_text.
    element = Markup(root.html.render())  # noqa: S704
    return RenderedMap(element=element, script=Markup(root.script.render()))  # noqa: S704


WORLD = (25.0, 10.0)


@lru_cache(maxsize=256)
def events_map(near: Near | None) -> RenderedMap:
    """The map of /map: the world, or the area around ``near``; no markers yet.

    static/js/maps.js adds the markers of /events.geojson to its cluster
    (``marker_cluster_events``): the page stays small.
    """
    center, zoom = (
        ((near.latitude, near.longitude), _zoom_for(near.radius_km)) if near else (WORLD, 2)
    )
    figure = new_map("vigil", location=center, zoom_start=zoom, control_scale=True)
    options = {"showCoverageOnHover": False, "chunkedLoading": True}
    NamedMarkerCluster("events", options=options).add_to(figure)
    return render(figure)


# Radii /map opens with beyond a filter's (app.events.filters.RADIUS_STEPS_KM): wide enough
# for the nearest event when none is within the radius. Steps, so the script's URL
# (a cached document) takes few values.
FIT_STEPS_KM = (10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10_000, 20_000)
FIT_MAX_KM = FIT_STEPS_KM[-1]


def fit_radius_km(distance_km: float) -> int:
    """The smallest of ``FIT_STEPS_KM`` that shows a place ``distance_km`` from the centre."""
    return next((step for step in FIT_STEPS_KM if step >= distance_km), FIT_MAX_KM)


def _zoom_for(radius_km: int) -> int:
    """A zoom level that shows about ``radius_km`` around the centre."""
    steps = ((11, 10), (10, 25), (9, 50), (8, 100), (7, 250), (6, 500), (5, 1000), (4, 2000))
    for zoom, radius in (*steps, (3, 5000)):
        if radius_km <= radius:
            return zoom
    return 2


def tile_settings() -> dict[str, Any]:
    """The operator's street map: raster tiles and whether loading them needs the
    visitor's consent, and the vector street map from this site (``streets``, or None).

    Tiles from another origin show that host the visitor's IP address, so they are
    loaded only after the visitor agrees (design/security.md decision 3). The street
    archive is read from our own origin (app.maps.archive): it needs no consent.
    """
    url = current_app.config["TILE_URL"] or ""
    origin = current_app.config["TILE_ORIGIN"]
    return {
        "url": url,
        "attribution": current_app.config["TILE_ATTRIBUTION"],
        "consent": bool(origin) and origin != site_origin(),
        "host": origin.split("://", 1)[1] if origin else "",
        "streets": street_settings(),
    }


# Below this zoom the street map is not drawn: an archive of a few cities would be a
# patch of another colour on the world (its tiles at low zoom cover far more than its
# cities). From here on a city's region fills the map.
STREETS_MIN_ZOOM = 8


def street_settings() -> dict[str, str | int] | None:
    """What static/js/maps.js needs to draw the street archive, or None without one."""
    archive = current_archive(current_app.config["MAP_PMTILES"])
    if archive is None:
        return None
    west, south, east, north = archive.bounds
    return {
        # The version in the URL lets browsers keep the archive's ranges (maps.streets).
        "url": url_for("maps.streets", v=archive.version),
        "attribution": current_app.config["MAP_PMTILES_ATTRIBUTION"],
        "renderer": vendor_url("protomaps-leaflet", "protomaps-leaflet.js"),
        # Display zoom z draws data tiles of zoom z - 1 (protomaps-leaflet, levelDiff 1).
        "min_zoom": max(STREETS_MIN_ZOOM, archive.min_zoom + 1),
        "max_data_zoom": archive.max_zoom,
        "bounds": f"{west:.5f},{south:.5f},{east:.5f},{north:.5f}",
    }


# Zoom of a venue map on the offline layer (the country around it), and once street
# tiles are shown (the streets around it; static/js/maps.js zooms in when they load).
VENUE_ZOOM = 5
STREET_ZOOM = 16


def venue_map(venue: Venue) -> RenderedMap | None:
    """The small map of an event page: the venue's marker, its name as tooltip.

    Its script is served from its own URL (app.maps.views.venue_script), loaded
    only when the visitor asks for the map, so it needs no hash in the page's CSP.
    """
    if venue.latitude is None or venue.longitude is None:
        return None
    return _venue_map(venue.name, venue.latitude, venue.longitude)


# Rendering costs a few milliseconds; event pages are not in the page cache.
@lru_cache(maxsize=512)
def _venue_map(name: str, latitude: float, longitude: float) -> RenderedMap:
    point = (latitude, longitude)
    figure = new_map("venue", location=point, zoom_start=VENUE_ZOOM, control_scale=True)
    tooltip = folium.Tooltip(safe_text(name))
    folium.Marker(point, tooltip=tooltip, keyboard=False).add_to(figure)
    return render(figure)


@lru_cache(maxsize=256)
def picker_map(latitude: float | None, longitude: float | None) -> RenderedMap:
    """The organizer's map for setting a new place's position by clicking."""
    if latitude is None or longitude is None:
        return render(new_map("picker", location=WORLD, zoom_start=2))
    return render(new_map("picker", location=(latitude, longitude), zoom_start=VENUE_ZOOM))
