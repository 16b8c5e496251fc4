"""Which events the RSS and Atom feeds and the embedded list hold."""

from __future__ import annotations

from app.events.queries import EventFilters, Listing, listings_of, next_dates_query

# A feed holds the next this many events: readers show the first few, and a feed of every
# event took 40 s and a gigabyte to build at 100,000 events (longer than gunicorn waits).
FEED_ENTRIES = 200


def next_listings_by_event(filters: EventFilters) -> list[Listing]:
    """Public events matching ``filters`` with an upcoming date, each once at its next
    date, at most ``FEED_ENTRIES`` of them.

    Cancelled events are included (a feed shows them as updated entries). One query
    whatever the number of events (app.events.queries.next_dates_query). Soonest
    first, or nearest first with ``filters.near`` (which limits its rows itself).
    """
    query = next_dates_query(filters).limit(FEED_ENTRIES)
    return listings_of(query, filters.near)[:FEED_ENTRIES]
