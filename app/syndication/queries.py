"""Which events the RSS and Atom feeds and the embedded list hold."""

from __future__ import annotations

from sqlalchemy import func, select

from app.events.queries import EventFilters, Listing, listing_query, nearest_listings
from app.extensions import db
from app.models import Event, Occurrence, Venue


def next_listings_by_event(filters: EventFilters) -> list[Listing]:
    """Public events matching ``filters`` with an upcoming date, each once at its next date.

    Cancelled events are included (a feed shows them as updated entries). One query
    whatever the number of events: a window function picks each event's first
    matching occurrence, as app.maps.queries.map_listings does. Soonest first, or
    nearest first with ``filters.near``.
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
        .where(ranked.c.rank == 1)
    )
    if filters.near is not None:
        return nearest_listings(query, filters.near)
    rows = db.session.execute(query.order_by(Occurrence.starts_at, Occurrence.id)).all()
    return [Listing(occurrence, event, venue) for occurrence, event, venue in rows]
