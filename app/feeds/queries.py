"""Which events a feed holds: public ones not long over, with the list filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.events.queries import PUBLIC_STATUSES, filter_places
from app.extensions import db
from app.models import Event, Occurrence
from app.venues.geo import Near, around, venue_distance_km

# Events stay in feeds this long after their last date, so calendars keep them
# (and show a cancellation) for a while instead of silently dropping them.
FEED_PAST = timedelta(days=7)
# What Google Calendar keeps of a feed (about a megabyte: design/ical.md §2.1).
FEED_EVENTS_MAX = 1000


@dataclass(frozen=True)
class FeedFilters:
    country: str | None = None
    city: str | None = None
    kind: str | None = None
    near: Near | None = None


def feed_events(filters: FeedFilters, now: datetime) -> list[Event]:
    """Public events with a date that ended after ``now - FEED_PAST``, whole series included.

    At most ``FEED_EVENTS_MAX``, those whose first such date comes soonest: Google
    Calendar silently drops events from feeds of more than about a megabyte (a
    thousand events), and a feed of every event of a large site (100,000) takes
    minutes and gigabytes to build. Filters (a country, a city, near) narrow it.
    One query (events joined with their venue and skipped dates), whatever the number
    of events; selectinload would send one more query per 500 events.
    """
    first_end = (
        select(Occurrence.event_id, func.min(Occurrence.ends_at).label("ends_at"))
        .where(Occurrence.ends_at > now - FEED_PAST)
        .group_by(Occurrence.event_id)
        .subquery()
    )
    query = (
        select(Event)
        .join(first_end, first_end.c.event_id == Event.id)
        .join(Event.venue)
        .options(contains_eager(Event.venue), joinedload(Event.skips))
        .where(Event.status.in_(PUBLIC_STATUSES))
        .order_by(first_end.c.ends_at, Event.id)
    )
    query = filter_places(query, country=filters.country, city=filters.city, kind=filters.kind)
    near = filters.near
    # With near, the circle is drawn in Python (the box in SQL): the cap comes after it.
    query = query.limit(FEED_EVENTS_MAX) if near is None else around(query, near)
    events = list(db.session.scalars(query).unique())
    if near is not None:
        events = [
            event
            for event in events
            if (distance := venue_distance_km(near, event.venue)) is not None
            and distance <= near.radius_km
        ][:FEED_EVENTS_MAX]
    return sorted(events, key=lambda event: event.uid)
