"""Which events the RSS and Atom feeds and the embedded list hold."""

from __future__ import annotations

from app.events.queries import EventFilters, Listing, listings_of, next_dates_query


def next_listings_by_event(filters: EventFilters) -> list[Listing]:
    """Public events matching ``filters`` with an upcoming date, each once at its next date.

    Cancelled events are included (a feed shows them as updated entries). One query
    whatever the number of events (app.events.queries.next_dates_query). Soonest
    first, or nearest first with ``filters.near``.
    """
    return listings_of(next_dates_query(filters), filters.near)
