"""The public map (/map), its markers (/events.geojson) and the offline city labels."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import OrderedDict
from functools import cache as memoize
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from folium.plugins import MarkerCluster

from app.clock import now_utc
from app.events.queries import get_public_event_or_404
from app.extensions import cache, limiter
from app.maps import bp
from app.maps.forms import MapFilterForm
from app.maps.geojson import feature_collection
from app.maps.queries import NEAREST_SHOWN, map_listings
from app.maps.rendering import WORLD, new_map, render, tile_settings, venue_map
from app.pagecache import cached_page, current_generation
from app.venues.places import labelled_cities

GEOJSON_TYPE = "application/geo+json"
# Rendered documents are keyed on the data generation (any commit replaces it) and
# the hour (events drop off once over), so they can be kept this long.
GEOJSON_SECONDS = 3600
# A browser or proxy may reuse a copy this long; a 304 after that costs no SQL.
GEOJSON_CACHE_CONTROL = "public, max-age=60"
# Filters carried from /map to its markers and lists; bbox belongs to a view, page to a list.
_NOT_CARRIED = ("bbox", "page")
# "Near" centres the map and lists the nearest events; the markers still show all the others.
_NOT_MARKERS = ("near", "radius_km")


def _zoom_for(radius_km: int) -> int:
    """A zoom level that shows about ``radius_km`` around the centre."""
    for zoom, radius in ((11, 10), (10, 25), (9, 50), (8, 100), (7, 250), (6, 500), (5, 1000)):
        if radius_km <= radius:
            return zoom
    return 4


@bp.get("/map")
@cached_page
def index() -> str:
    """Upcoming rallies and vigils on a map, with the list's filters in the URL."""
    form = _filters_form()
    args = {key: value for key, value in request.args.items() if value and key not in _NOT_CARRIED}
    near = form.near_point
    nearest = map_listings(form.filters())[:NEAREST_SHOWN] if near is not None else None
    center, zoom = (
        ((near.latitude, near.longitude), _zoom_for(near.radius_km)) if near else (WORLD, 2)
    )
    figure = new_map("vigil", location=center, zoom_start=zoom, control_scale=True)
    # Markers are added by static/js/maps.js from /events.geojson: the page stays small.
    cluster = MarkerCluster(  # type: ignore[no-untyped-call]
        options={"showCoverageOnHover": False, "chunkedLoading": True}
    )
    cluster._id = "events"
    cluster.add_to(figure)
    marker_args: dict[str, Any] = {k: v for k, v in args.items() if k not in _NOT_MARKERS}
    return render_template(
        "maps/index.html",
        form=form,
        args=args,
        nearest=nearest,
        map=render(figure),
        geojson_url=url_for("maps.events_geojson", **marker_args),
        tiles=tile_settings(),
    )


class _Recent:
    """This worker's copies of the last few documents, by cache key.

    A key names a generation, an hour, a language and filters, so a copy is never
    out of date; it saves fetching a few hundred kilobytes from Redis per request.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def get(self, key: str) -> tuple[str, bytes] | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: tuple[str, bytes]) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


_recent = _Recent(size=8)


@bp.get("/events.geojson")
def events_geojson() -> Response:
    """Public events with a position, one Point each, filtered like /map (plus bbox).

    Built once per data change, hour, language and filter set; kept gzipped. The raw
    query string points to its document's key and ETag, so a repeated request needs
    neither the form nor SQL (a 304 not even the document), and other spellings of
    the same filters share one build.
    """
    version = f"{current_generation()}:{now_utc():%Y%m%d%H}:{get_locale()}"
    alias = f"geojson-query:{version}:{request.query_string.decode('latin-1')}"
    known = cache.get(alias)
    form = None
    if isinstance(known, tuple):
        key, etag = known
        if _not_modified(etag):
            return _document(etag, None, GEOJSON_TYPE, GEOJSON_CACHE_CONTROL)
        entry = _recent.get(key)
    else:
        form = _filters_form()
        key, entry = f"geojson:{version}:{urlencode(form.canonical_args())}", None
    if entry is None:
        entry = cache.get(key)
        if not isinstance(entry, tuple):
            entry = _build_geojson(form or _filters_form())
            cache.set(key, entry, timeout=GEOJSON_SECONDS)
        cache.set(alias, (key, entry[0]), timeout=GEOJSON_SECONDS)
    _recent.put(key, entry)
    etag, packed = entry
    return _document(etag, packed, GEOJSON_TYPE, GEOJSON_CACHE_CONTROL)


def _filters_form() -> MapFilterForm:
    """The request's filters, validated; 400 if any is invalid."""
    form = MapFilterForm(formdata=request.args)
    if not form.validate():
        abort(400, description=form.error_message())
    return form


def _build_geojson(form: MapFilterForm) -> tuple[str, bytes]:
    """Query and encode the document: up to seconds for 10,000 events, so rate limited.

    Only requests the cache cannot answer count: a client varying bbox or dates
    to force builds is stopped, a visitor reloading the map never is.
    """
    with limiter.limit(lambda: current_app.config["MAP_BUILD_RATE_LIMIT"]):
        body = feature_collection(map_listings(form.filters(), form.area))
    return hashlib.sha256(body).hexdigest()[:40], gzip.compress(body, compresslevel=6)


@bp.get("/events/<slug>/map.js")
def venue_script(slug: str) -> ResponseReturnValue:
    """The script of an event page's venue map (folium's), fetched when it is opened."""
    viewer = current_user if current_user.is_authenticated else None
    rendered = venue_map(get_public_event_or_404(slug, viewer).venue)
    if rendered is None:
        abort(404)
    response = Response(str(rendered.script), mimetype="text/javascript")
    # Drafts are visible to their organizer only; an event may move: ask each time.
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/map/places.json")
def places() -> Response:
    """City names for the offline base layer: [[name, latitude, longitude, rank], …]."""
    etag, packed = _places_document()
    return _document(etag, packed, "application/json", "public, max-age=86400")


@memoize
def _places_document() -> tuple[str, bytes]:
    body = json.dumps(labelled_cities(), ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(body).hexdigest()[:40], gzip.compress(body, compresslevel=9)


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _representation_etag(etag: str) -> str:
    # Each encoding is its own representation, with its own strong validator.
    return f"{etag}-gzip" if _accepts_gzip() else etag


def _not_modified(etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110): W/"x" matches "x".
    return request.if_none_match.contains_weak(_representation_etag(etag))


def _document(etag: str, packed: bytes | None, mimetype: str, cache_control: str) -> Response:
    """A cached gzip document: as it is to browsers that accept gzip, else unpacked.

    304 when the client's copy is current (always when ``packed`` is None).
    """
    gzipped = _accepts_gzip()
    response = Response(mimetype=mimetype)
    response.set_etag(_representation_etag(etag))
    response.headers["Cache-Control"] = cache_control
    response.vary.update(("Accept-Encoding", "Accept-Language"))
    if packed is None or _not_modified(etag):
        response.status_code = 304
        return response
    if gzipped:
        response.set_data(packed)
        response.content_encoding = "gzip"
    else:
        response.set_data(gzip.decompress(packed))
    return response


@bp.after_request
def _allow_location(response: Response) -> Response:
    # "Use my location" on /map asks the browser; every other page may not (app.web).
    if request.endpoint == "maps.index":
        response.headers["Permissions-Policy"] = (
            "geolocation=(self), camera=(), microphone=(), interest-cohort=()"
        )
    return response
