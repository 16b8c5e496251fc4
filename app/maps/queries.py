"""Which events the map shows: one marker per place, its events each at their next date.

The map's data grows with places, not events: /events.geojson holds each
venue once, with its count of events and its next few; the rest of a venue's events
come from its own small document (``venue_listings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select

from app.events.queries import EventFilters, Listing, listings_of, next_dates_query
from app.extensions import db
from app.models import Event, EventStatus, Occurrence, Venue
from app.venues.geo import BBox, around, venue_distance_km, within_box

# The map's list beside the markers ("nearest first") shows this many events.
NEAREST_SHOWN = 20
# Events of each place in /events.geojson; a popup fetches the rest when asked.
PLACE_EVENTS_SHOWN = 3
# Events in one place's document: a popup lists them, it is no archive.
VENUE_EVENTS_MAX = 500


@dataclass(frozen=True)
class Place:
    """A venue on the map: its first events (soonest first) and how many there are."""

    venue: Venue
    listings: list[Listing]
    event_count: int
    cancelled_count: int
    distance_km: float | None = None


def _positioned(filters: EventFilters, bbox: BBox | None) -> Select[Occurrence, Event, Venue]:
    """Public events matching ``filters`` at venues with a position (inside ``bbox``),
    each once, at its next matching date (app.events.queries.next_dates_query)."""
    query = next_dates_query(filters).where(
        Venue.latitude.is_not(None), Venue.longitude.is_not(None)
    )
    return within_box(query, bbox) if bbox is not None else query


def _around(filters: EventFilters, bbox: BBox | None) -> Select[Occurrence, Event, Venue]:
    """``_positioned``, inside the bounding box of ``filters.near`` (not yet its circle)."""
    query = _positioned(filters, bbox)
    return around(query, filters.near) if filters.near is not None else query


def map_listings(filters: EventFilters, bbox: BBox | None = None) -> list[Listing]:
    """Public events matching ``filters`` that have a position, each with its next date.

    One query whatever the number of events. Soonest first, or nearest first with
    ``filters.near`` (the list beside /map's markers).
    """
    return listings_of(_positioned(filters, bbox), filters.near)


def map_places(filters: EventFilters, bbox: BBox | None = None) -> list[Place]:
    """Venues with public events matching ``filters``, each with its first
    ``PLACE_EVENTS_SHOWN`` events and its counts.

    One query whatever the number of events, and at most ``PLACE_EVENTS_SHOWN`` rows
    per venue: window functions rank and count each venue's events (each at its next
    date) in the database. Soonest first (by a venue's first event), or nearest first
    within ``filters.near``'s radius.
    """
    cancelled = case((Event.status == EventStatus.CANCELLED, 1), else_=0)
    ranked = (
        _around(filters, bbox)
        .with_only_columns(
            Occurrence.id.label("occurrence_id"),
            func.row_number()
            .over(partition_by=Venue.id, order_by=(Occurrence.starts_at, Occurrence.id))
            .label("place_rank"),
            func.count().over(partition_by=Venue.id).label("event_count"),
            func.sum(cancelled).over(partition_by=Venue.id).label("cancelled_count"),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(Occurrence, Event, Venue, ranked.c.event_count, ranked.c.cancelled_count)
        .join(ranked, ranked.c.occurrence_id == Occurrence.id)
        .join(Event, Occurrence.event_id == Event.id)
        .join(Venue, Event.venue_id == Venue.id)
        .where(ranked.c.place_rank <= PLACE_EVENTS_SHOWN)
        .order_by(Occurrence.starts_at, Occurrence.id)
    ).all()
    # Each venue's rows in start order; venues by their first event (dicts keep order).
    grouped: dict[int, list[tuple[Occurrence, Event, Venue, int, int]]] = {}
    for occurrence, event, venue, event_count, cancelled_count in rows:
        grouped.setdefault(venue.id, []).append(
            (occurrence, event, venue, event_count, int(cancelled_count or 0))
        )
    places = []
    for found in grouped.values():
        venue, event_count, cancelled_count = found[0][2], found[0][3], found[0][4]
        distance = None
        if filters.near is not None:
            distance = venue_distance_km(filters.near, venue)
            if distance is None or distance > filters.near.radius_km:
                continue
        listings = [Listing(o, e, v, distance) for o, e, v, _count, _cancelled in found]
        places.append(Place(venue, listings, event_count, cancelled_count, distance))
    if filters.near is not None:
        # Stable: among venues at the same distance, the sooner first.
        places.sort(key=lambda place: cast(float, place.distance_km))
    return places


def get_mapped_venue_or_404(venue_id: int) -> Venue:
    """The venue with ``venue_id`` if the map can show it (it has a position); 404 otherwise."""
    venue = db.session.get(Venue, venue_id)
    if venue is None or venue.latitude is None or venue.longitude is None:
        abort(404, description=_("There is no such place on the map."))
    return venue


def venue_listings(
    venue: Venue, filters: EventFilters, bbox: BBox | None = None
) -> tuple[list[Listing], int]:
    """The public events at ``venue`` matching ``filters`` (and ``bbox``), each at its
    next matching date, soonest first: at most ``VENUE_EVENTS_MAX``, and how many in all.

    One query. Empty when the venue lies outside ``bbox`` or ``filters.near``'s radius.
    """
    distance = None
    if filters.near is not None:
        distance = venue_distance_km(filters.near, venue)
        if distance is None or distance > filters.near.radius_km:
            return [], 0
    total = func.count().over().label("total")
    rows = db.session.execute(
        _around(filters, bbox)
        .where(Venue.id == venue.id)
        .add_columns(total)
        .order_by(Occurrence.starts_at, Occurrence.id)
        .limit(VENUE_EVENTS_MAX)
    ).all()
    listings = [Listing(o, e, v, distance) for o, e, v, _total in rows]
    return listings, rows[0][3] if rows else 0
