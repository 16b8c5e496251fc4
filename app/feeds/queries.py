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


@dataclass(frozen=True)
class FeedFilters:
    country: str | None = None
    city: str | None = None
    kind: str | None = None
    near: Near | None = None


def feed_events(filters: FeedFilters, now: datetime) -> list[Event]:
    """Public events whose last date ended after ``now - FEED_PAST``, whole series included.

    One query (events joined with their venue and skipped dates), whatever the number
    of events; selectinload would send one more query per 500 events.
    """
    last_end = (
        select(func.max(Occurrence.ends_at))
        .where(Occurrence.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    query = (
        select(Event)
        .join(Event.venue)
        .options(contains_eager(Event.venue), joinedload(Event.skips))
        .where(Event.status.in_(PUBLIC_STATUSES), last_end > now - FEED_PAST)
        .order_by(Event.uid)
    )
    query = filter_places(query, country=filters.country, city=filters.city, kind=filters.kind)
    if filters.near is not None:
        query = around(query, filters.near)
    events = list(db.session.scalars(query).unique())
    near = filters.near
    if near is not None:
        events = [
            event
            for event in events
            if (distance := venue_distance_km(near, event.venue)) is not None
            and distance <= near.radius_km
        ]
    return events
