"""What /events.geojson, /venues/<id>/events.json, /map/places.json and the venue map
scripts serve, and how it is cached (app.httpcache).

The markers (one per place) and each place's events are built once per data change,
hour (events drop off once over), language and filter set, kept gzipped, and each
worker keeps the last few; the city labels are built once per process; a venue map's
script is validated, not cached.
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
from app.maps.geojson import feature_collection, venue_events
from app.maps.queries import get_mapped_venue_or_404, map_places, venue_listings
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
# One place's events, for its popup's "show all": cached as the markers are, one document
# per place, filter set, hour and language.
VENUE_EVENTS = Kind(
    name="venue-events",
    content_type="application/json",
    cache_control="public, max-age=60",
    period="%Y%m%d%H",
    seconds=3600,
    gzip_level=6,
    recent=16,
)
# Filters that choose places, not the events of a place already on the map: a place's
# events_url leaves them out, so every view of the map shares its documents.
_PLACE_ONLY = ("bbox", "near", "radius_km")
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
        """Query and encode the document: a query over every matching event, so rate limited.

        Only requests the cache cannot answer count: a client varying bbox or dates
        to force builds is stopped (429), a visitor reloading the map never is.
        """
        with limiter.limit(lambda: current_app.config["MAP_BUILD_RATE_LIMIT"]):
            places = map_places(self.form.filters(), self.form.area)
            args = self.form.canonical_args()
            events_args = {k: v for k, v in args.items() if k not in _PLACE_ONLY}
            return Built(feature_collection(places, events_args))


class VenueEvents:
    """/venues/<id>/events.json with this request's filters (an ``app.httpcache.Source``)."""

    def __init__(self, venue_id: int) -> None:
        self.venue_id = venue_id

    @cached_property
    def form(self) -> MapFilterForm:
        return read_filters(MapFilterForm)

    def canonical(self) -> str:
        """The venue and the filters in one spelling; 400 if a filter is invalid.

        A filtered request gets no alias (app.httpcache: only a query string that is
        this spelling does), so it reads its filters each time; the unfiltered list,
        which popups on the plain /map fetch, gets one.
        """
        return urlencode({"venue": self.venue_id, **self.form.canonical_args()})

    def build(self) -> Built:
        """The venue's events (404 for a venue the map cannot show), rate limited like the
        markers' builds but counted apart: opening popups must not stop the map loading."""
        with limiter.limit(
            lambda: current_app.config["MAP_BUILD_RATE_LIMIT"], scope="map-venue-build"
        ):
            venue = get_mapped_venue_or_404(self.venue_id)
            listings, total = venue_listings(venue, self.form.filters(), self.form.area)
            return Built(venue_events(venue, listings, total))


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
