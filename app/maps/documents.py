"""What /events.geojson, /map/places.json and the venue map scripts serve, and how
it is cached (app.httpcache).

The markers are built once per data change, hour (events drop off once over),
language and filter set, kept gzipped, and each worker keeps the last few; the city
labels are built once per process; a venue map's script is validated, not cached.
"""

from __future__ import annotations

import json
from functools import cache as memoize
from functools import cached_property
from urllib.parse import urlencode

from flask import current_app

from app.events.filters import read_filters
from app.extensions import limiter
from app.httpcache import Built, Document, Kind, make_document
from app.maps.forms import MapFilterForm
from app.maps.geojson import feature_collection
from app.maps.queries import map_listings
from app.maps.rendering import RenderedMap
from app.venues.places import labelled_cities

MARKERS = Kind(
    name="geojson",
    content_type="application/geo+json",
    # A browser or proxy may reuse a copy this long; a 304 after that costs no SQL.
    cache_control="public, max-age=60",
    period="%Y%m%d%H",
    seconds=3600,
    gzip_level=6,
    recent=8,
)
# Drafts are visible to their organizer only; an event may move: ask each time.
VENUE_SCRIPT = Kind(
    name="venue-script",
    content_type="text/javascript; charset=utf-8",
    cache_control="private, no-cache",
    language=False,
)
# The scripts of /map and of the organizer's position picker: they depend only on the
# query string (where the map opens), so anyone may keep them.
MAP_SCRIPT = Kind(
    name="map-script",
    content_type="text/javascript; charset=utf-8",
    cache_control="public, max-age=86400",
    language=False,
)
PLACES = Kind(
    name="places",
    content_type="application/json",
    cache_control="public, max-age=86400",
    gzip_level=9,
    language=False,
)


class Markers:
    """/events.geojson with this request's filters (an ``app.httpcache.Source``)."""

    @cached_property
    def form(self) -> MapFilterForm:
        return read_filters(MapFilterForm)

    def canonical(self) -> str:
        """The filters (bbox included) in one spelling; 400 if any is invalid."""
        return urlencode(self.form.canonical_args())

    def build(self) -> Built:
        """Query and encode the document: up to seconds for 10,000 events, so rate limited.

        Only requests the cache cannot answer count: a client varying bbox or dates
        to force builds is stopped (429), a visitor reloading the map never is.
        """
        with limiter.limit(lambda: current_app.config["MAP_BUILD_RATE_LIMIT"]):
            return Built(feature_collection(map_listings(self.form.filters(), self.form.area)))


@memoize
def places_document() -> Document:
    """City names for the offline base layer: [[name, latitude, longitude, rank], …]."""
    body = json.dumps(labelled_cities(), ensure_ascii=False, separators=(",", ":")).encode()
    return make_document(PLACES, body)


def venue_script_document(rendered: RenderedMap) -> Document:
    """The script of an event page's venue map, fetched when the visitor opens it."""
    return make_document(VENUE_SCRIPT, str(rendered.script).encode())


def map_script_document(rendered: RenderedMap) -> Document:
    """The script of /map's map or of the picker, fetched by a ``<script src>``."""
    return make_document(MAP_SCRIPT, str(rendered.script).encode())
