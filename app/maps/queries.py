"""Which events the map shows: one marker per event, at its next matching date."""

from __future__ import annotations

from sqlalchemy import func, select

from app.events.queries import EventFilters, Listing, listing_query, nearest_listings
from app.extensions import db
from app.models import Event, Occurrence, Venue
from app.venues.geo import BBox, within_box

# The map's list beside the markers ("nearest first") shows this many events.
NEAREST_SHOWN = 20


def map_listings(filters: EventFilters, bbox: BBox | None = None) -> list[Listing]:
    """Public events matching ``filters`` that have a position, each with its next date.

    One query whatever the number of events: a window function picks each event's
    first matching occurrence. Soonest first, or nearest first with ``filters.near``.
    """
    ranked = (
        listing_query(filters)
        .with_only_columns(
            Occurrence.id.label("occurrence_id"),
            func.row_number()
            .over(partition_by=Occurrence.event_id, order_by=(Occurrence.starts_at, Occurrence.id))
            .label("rank"),
        )
        .subquery()
    )
    query = (
        select(Occurrence, Event, Venue)
        .join(ranked, ranked.c.occurrence_id == Occurrence.id)
        .join(Event, Occurrence.event_id == Event.id)
        .join(Venue, Event.venue_id == Venue.id)
        .where(ranked.c.rank == 1, Venue.latitude.is_not(None), Venue.longitude.is_not(None))
    )
    if bbox is not None:
        query = within_box(query, bbox)
    if filters.near is not None:
        return nearest_listings(query, filters.near)
    rows = db.session.execute(query.order_by(Occurrence.starts_at, Occurrence.id)).all()
    return [Listing(occurrence, event, venue) for occurrence, event, venue in rows]
