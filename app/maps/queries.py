"""Which events the map shows: one marker per event, at its next matching date."""

from __future__ import annotations

from app.events.queries import EventFilters, Listing, listings_of, next_dates_query
from app.models import Venue
from app.venues.geo import BBox, within_box

# The map's list beside the markers ("nearest first") shows this many events.
NEAREST_SHOWN = 20


def map_listings(filters: EventFilters, bbox: BBox | None = None) -> list[Listing]:
    """Public events matching ``filters`` that have a position, each with its next date.

    One query whatever the number of events (app.events.queries.next_dates_query).
    Soonest first, or nearest first with ``filters.near``.
    """
    query = next_dates_query(filters).where(
        Venue.latitude.is_not(None), Venue.longitude.is_not(None)
    )
    if bbox is not None:
        query = within_box(query, bbox)
    return listings_of(query, filters.near)
