"""Which events a feed holds: public ones not long over, with the list filters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.events.queries import PUBLIC_STATUSES, filter_places
from app.extensions import db
from app.models import Event, Occurrence, Venue

# Events stay in feeds this long after their last date, so calendars keep them
# (and show a cancellation) for a while instead of silently dropping them.
FEED_PAST = timedelta(days=7)
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: int


@dataclass(frozen=True)
class FeedFilters:
    country: str | None = None
    city: str | None = None
    kind: str | None = None
    near: Near | None = None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


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
    near = filters.near
    if near is not None:
        # A bounding box in SQL, then the exact great-circle distance here.
        dlat = near.radius_km / 111.0
        query = query.where(Venue.latitude.between(near.latitude - dlat, near.latitude + dlat))
        cos_lat = math.cos(math.radians(near.latitude))
        dlon = near.radius_km / (111.0 * cos_lat) if cos_lat > 0.01 else 360.0
        if near.longitude - dlon > -180 and near.longitude + dlon < 180:
            query = query.where(
                Venue.longitude.between(near.longitude - dlon, near.longitude + dlon)
            )
    events = list(db.session.scalars(query).unique())
    if near is not None:
        events = [
            event
            for event in events
            if event.venue.latitude is not None
            and event.venue.longitude is not None
            and distance_km(
                near.latitude, near.longitude, event.venue.latitude, event.venue.longitude
            )
            <= near.radius_km
        ]
    return events
