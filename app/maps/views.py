"""The public map (/map), its markers (/events.geojson), each place's events
(/venues/<id>/events.json) and the offline city labels.

What the documents hold and how they are cached: app.maps.documents, app.httpcache.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.events.filters import RADIUS_DEFAULT_KM, read_page_filters, wider_radius_km
from app.events.queries import get_public_event_or_404, nearest_beyond
from app.httpcache import respond, serve
from app.maps import bp
from app.maps.archive import current_archive
from app.maps.documents import (
    MAP_SCRIPT,
    MARKERS,
    PLACES,
    VENUE_EVENTS,
    VENUE_SCRIPT,
    Markers,
    VenueEvents,
    map_script_document,
    places_document,
    venue_script_document,
)
from app.maps.forms import MapFilterForm
from app.maps.queries import NEAREST_SHOWN, map_listings
from app.maps.rendering import (
    FIT_MAX_KM,
    events_map,
    fit_radius_km,
    picker_map,
    tile_settings,
    venue_map,
)
from app.maps.vendor import ONE_YEAR
from app.pagecache import cached_page
from app.venues.geo import Near
from app.venues.queries import mission_country_codes
from app.web import allow_location

# Filters carried from /map to its markers and lists; bbox belongs to a view, page to a list.
_NOT_CARRIED = ("bbox", "page")
# "Near" centres the map and lists the nearest events; the markers still show all the others.
_NOT_MARKERS = ("near", "radius_km")


@bp.get("/map")
@cached_page
def index() -> tuple[str, int] | str:
    """Upcoming rallies and vigils on a map, with the list's filters in the URL.

    An invalid filter is shown again in the form with its message (400). A "near"
    search that finds nothing offers the nearest event, and the map opens wide
    enough to show it rather than on an empty square.
    """
    form, valid = read_page_filters(MapFilterForm)
    form.offer_countries(mission_country_codes(), str(get_locale()))
    if valid:
        args = {k: v for k, v in request.args.items() if v and k not in _NOT_CARRIED}
    else:
        args = {k: v for k, v in form.valid_args().items() if k not in _NOT_CARRIED}
    near = form.near_point
    filters = form.filters()
    nearest = map_listings(filters)[:NEAREST_SHOWN] if near is not None else None
    beyond = nearest_beyond(filters) if near is not None and not nearest else None
    map_near = near
    if near is not None and beyond is not None and beyond.distance_km is not None:
        map_near = replace(near, radius_km=fit_radius_km(beyond.distance_km))
    marker_args: dict[str, Any] = {k: v for k, v in args.items() if k not in _NOT_MARKERS}
    html = render_template(
        "maps/index.html",
        form=form,
        args=args,
        nearest=nearest,
        beyond=beyond,
        wider_radius_km=wider_radius_km(beyond.distance_km or 0.0) if beyond else None,
        map=events_map(map_near),
        map_script=events_script_url(map_near),
        geojson_url=url_for("maps.events_geojson", **marker_args),
        tiles=tile_settings(),
    )
    return html if valid else (html, 400)


@bp.get("/events.geojson")
def events_geojson() -> Response:
    """Places with public events, one Point each with its count and first events,
    filtered like /map (plus bbox).

    Built once per data change, hour, language and filter set; a repeated request
    needs neither the filters nor SQL, a 304 not even the document.
    """
    return serve(MARKERS, Markers())


# A venue id as we write it. Werkzeug's int converter also takes "0007" and Arabic-Indic
# digits: each spelling would be an entry of the cache of its own (app.httpcache aliases).
_VENUE_ID = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
# Ids are PostgreSQL integers: a larger number is no venue (404), never an overflow (500).
_VENUE_ID_MAX = 2**31 - 1


@bp.get("/venues/<venue_id>/events.json")
def venue_events(venue_id: str) -> Response:
    """The public events at one place of the map, filtered like /events.geojson.

    What a popup's "show all" fetches: cached like the markers (app.maps.documents);
    404 for a venue the map cannot show, 400 for invalid filters.
    """
    if _VENUE_ID.fullmatch(venue_id) is None or int(venue_id) > _VENUE_ID_MAX:
        abort(404, description=_("There is no such place on the map."))
    return serve(VENUE_EVENTS, VenueEvents(int(venue_id)))


@bp.get("/events/<slug>/map.js")
def venue_script(slug: str) -> Response:
    """The script of an event page's venue map (folium's), fetched when it is opened."""
    viewer = current_user if current_user.is_authenticated else None
    rendered = venue_map(get_public_event_or_404(slug, viewer).venue)
    if rendered is None:
        abort(404)
    return respond(VENUE_SCRIPT, venue_script_document(rendered))


def events_script_url(near: Near | None) -> str:
    """Where the script of /map's map (opening around ``near``, else on the world) is."""
    if near is None:
        return url_for("maps.events_script")
    place: dict[str, Any] = {"lat": near.latitude, "lon": near.longitude}
    return url_for("maps.events_script", radius_km=near.radius_km, **place)


def _number(name: str, low: float, high: float) -> float | None:
    """The query's ``name`` as a number in [low, high], None if absent; 400 otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also NaN and infinities
        abort(
            400,
            description=_(
                "%(name)s must be a number from %(low)s to %(high)s.", name=name, low=low, high=high
            ),
        )
    return value


def _position() -> tuple[float, float] | None:
    """``lat`` and ``lon`` of the query: both or neither (400 for one alone)."""
    latitude, longitude = _number("lat", -90, 90), _number("lon", -180, 180)
    if (latitude is None) != (longitude is None):
        abort(400, description=_("Give both lat and lon, or neither."))
    return None if latitude is None or longitude is None else (latitude, longitude)


@bp.get("/map.js")
def events_script() -> Response:
    """The script of /map's map, opening around ``lat``, ``lon`` and ``radius_km`` if given."""
    position = _position()
    # Beyond a filter's radius: /map opens wide enough for the nearest event (fit_radius_km).
    radius = _number("radius_km", 1, FIT_MAX_KM)
    near = None
    if position is not None:
        near = Near(position[0], position[1], int(radius or RADIUS_DEFAULT_KM))
    return respond(MAP_SCRIPT, map_script_document(events_map(near)))


@bp.get("/map/picker.js")
def picker_script() -> Response:
    """The script of the organizer's position picker, opening at ``lat``/``lon`` if given."""
    position = _position()
    rendered = picker_map(*position) if position is not None else picker_map(None, None)
    return respond(MAP_SCRIPT, map_script_document(rendered))


@bp.get("/map/places.json")
def places() -> Response:
    """City names for the offline base layer: [[name, latitude, longitude, rank], …]."""
    return respond(PLACES, places_document())


@bp.get("/map/streets.pmtiles")
def streets() -> Response:
    """The street map's archive (VIGIL_MAP_PMTILES), read by browsers in ranges.

    Range requests answer 206 with Content-Range, a bad range 416, no range the whole
    file; 404 without an archive. ``v`` is the archive's version: asked for with the
    current one, browsers may keep the answer a year; without it they revalidate.
    """
    archive = current_archive(current_app.config["MAP_PMTILES"])
    if archive is None:
        abort(404)
    current = request.args.get("v") == archive.version
    response = send_file(
        archive.path,
        mimetype="application/vnd.pmtiles",
        conditional=True,
        # Content-based, the same on every app server: protomaps-leaflet reloads when
        # the ETag of one range differs from the first one's (app.maps.archive).
        etag=archive.version,
        max_age=ONE_YEAR if current else 0,
    )
    if current:
        response.cache_control.immutable = True
    return response


@bp.after_request
def _allow_location(response: Response) -> Response:
    # "Use my location" on /map asks the browser (app.web). Here, not in the view: a page
    # served from the cache never runs the view.
    if request.endpoint == "maps.index":
        allow_location()
    return response
