"""Reads of events: public listings with filters, and owned-or-404 loaders."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar, TypeVarTuple

from flask import abort
from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.clock import now_utc
from app.events.recurrence import instants_on
from app.extensions import db
from app.models import Event, EventStatus, Occurrence, User, Venue
from app.venues.geo import Near, around, rough_distance, venue_distance_km

T = TypeVar("T")
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
NEAR_ROWS = 5000
# A list counts its matches at most this many pages beyond the one it shows, and then
# says "more than": an exact count of every upcoming date would cost more than the rest
# of the page, and grow with the number of events (at 100,000, most of /events' time).
COUNT_PAGES_AHEAD = 10


@dataclass(frozen=True)
class Listing:
    """One occurrence as a list shows it, with its event and venue."""

    occurrence: Occurrence
    event: Event
    venue: Venue
    distance_km: float | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    # True when ``total`` is a lower bound: there are more matches than were counted.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class EventFilters:
    """Validated filters of the public lists (see app.events.filters.FilterForm)."""

    country: str | None = None
    city: str | None = None
    kind: str | None = None
    from_on: date | None = None
    to_on: date | None = None
    q: str | None = None
    near: Near | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


Ts = TypeVarTuple("Ts")


def filter_places(
    query: Select[*Ts], *, country: str | None, city: str | None, kind: str | None
) -> Select[*Ts]:
    """Narrow a query that joins Event and Venue by country, city and kind of event."""
    if country:
        query = query.where(Venue.country_code == country)
    if city:
        query = query.where(func.lower(Venue.city) == city.lower())
    if kind:
        query = query.where(Event.kind == kind)
    return query


def _date_window(
    occurrence: type[Occurrence], filters: EventFilters, now: datetime
) -> list[ColumnElement[bool]]:
    """The conditions on ``occurrence`` (the table or an alias) of the filters' dates."""
    if filters.from_on is not None:
        # Dates are compared in UTC; a day's events elsewhere may start a few hours earlier.
        start = datetime.combine(filters.from_on, time(), tzinfo=UTC)
        conditions = [occurrence.ends_at > start]
    else:
        conditions = [occurrence.ends_at > now]
    if filters.to_on is not None:
        end = datetime.combine(filters.to_on + timedelta(days=1), time(), tzinfo=UTC)
        conditions.append(occurrence.starts_at < end)
    return conditions


def listing_query(
    filters: EventFilters, now: datetime | None = None
) -> Select[Occurrence, Event, Venue]:
    """Every matching date of public events (a series once per date), not over at ``now``."""
    now = now or now_utc()
    query = (
        select(Occurrence, Event, Venue)
        .join(Event, Occurrence.event_id == Event.id)
        .join(Venue, Event.venue_id == Venue.id)
        .where(Event.status.in_(PUBLIC_STATUSES), *_date_window(Occurrence, filters, now))
    )
    query = filter_places(query, country=filters.country, city=filters.city, kind=filters.kind)
    if filters.q:
        pattern = _like(filters.q.lower())
        query = query.where(
            or_(
                func.lower(Event.title).like(pattern, escape="\\"),
                func.lower(Venue.name).like(pattern, escape="\\"),
                func.lower(Venue.city).like(pattern, escape="\\"),
            )
        )
    return query


def first_dates_query(filters: EventFilters) -> Select[Occurrence, Event, Venue]:
    """Public events matching ``filters``, each once, at its first matching date.

    A weekly vigil is one row (one card), not one per week. "No earlier matching date
    of the same event" is a NOT EXISTS on the (event_id, starts_at) index: a list read
    in start order and cut at a page stops early, where a window function over every
    date (``next_dates_query``) would rank all of them first.
    """
    now = now_utc()  # one instant for both windows: a date ending between would be twice
    earlier = aliased(Occurrence)
    has_earlier = exists().where(
        earlier.event_id == Occurrence.event_id,
        earlier.starts_at < Occurrence.starts_at,
        *_date_window(earlier, filters, now),
    )
    return listing_query(filters, now).where(~has_earlier)


def upcoming_listings(filters: EventFilters, page: int, per_page: int) -> Page[Listing]:
    """Public events matching ``filters``, each once at its next matching date, soonest
    first; two queries.

    The count stops ``COUNT_PAGES_AHEAD`` pages after ``page`` (``Page.more``), so its
    cost follows the page asked for, not the number of events. With ``filters.near``,
    those within its radius, nearest first (one query).
    """
    query = first_dates_query(filters)
    if filters.near is not None:
        found = nearest_listings(query, filters.near)
        start = (page - 1) * per_page
        return Page(found[start : start + per_page], page=page, per_page=per_page, total=len(found))
    counted = per_page * (page + COUNT_PAGES_AHEAD)
    matches = query.with_only_columns(Occurrence.id).limit(counted + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(matches)) or 0
    rows = db.session.execute(
        query.order_by(Occurrence.starts_at, Occurrence.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [Listing(occurrence, event, venue) for occurrence, event, venue in rows]
    more = total > counted
    return Page(items, page=page, per_page=per_page, total=min(total, counted), more=more)


def nearest_listings(query: Select[Occurrence, Event, Venue], near: Near) -> list[Listing]:
    """The rows of ``query`` within ``near``'s radius, nearest first, then soonest.

    Distances are computed here after a bounding box in SQL; at most NEAR_ROWS
    rows, roughly the nearest, are loaded, so a huge radius cannot load the whole table.
    """
    rows = db.session.execute(
        around(query, near)
        .order_by(rough_distance(near), Occurrence.starts_at, Occurrence.id)
        .limit(NEAR_ROWS)
    ).all()
    found = []
    for occurrence, event, venue in rows:
        distance = venue_distance_km(near, venue)
        if distance is not None and distance <= near.radius_km:
            found.append(Listing(occurrence, event, venue, distance))
    found.sort(key=lambda listing: (listing.distance_km, listing.occurrence.starts_at))
    return found


# Rows (roughly the nearest) among which the nearest event beyond a radius is picked.
NEAREST_BEYOND_ROWS = 20


def nearest_beyond(filters: EventFilters) -> Listing | None:
    """The nearest public event matching ``filters`` wherever it is, with its distance
    from ``filters.near``: what a "near" search that found nothing offers instead.

    One query: each event at its first matching date, ordered roughly by distance in
    SQL; the exact distance picks among the first ``NEAREST_BEYOND_ROWS``. None without
    ``filters.near`` or when no matching event has a position.
    """
    near = filters.near
    if near is None:
        return None
    rows = db.session.execute(
        first_dates_query(replace(filters, near=None))
        .where(Venue.latitude.is_not(None), Venue.longitude.is_not(None))
        .order_by(rough_distance(near), Occurrence.starts_at, Occurrence.id)
        .limit(NEAREST_BEYOND_ROWS)
    ).all()
    found = [
        Listing(occurrence, event, venue, venue_distance_km(near, venue))
        for occurrence, event, venue in rows
    ]
    return min(found, key=lambda listing: listing.distance_km or 0.0, default=None)


def next_dates_query(filters: EventFilters) -> Select[Occurrence, Event, Venue]:
    """Public events matching ``filters``, each once, at its next matching date.

    One query whatever the number of events: a window function picks each event's
    first matching occurrence (the map's markers, the RSS and Atom entries).
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
    return (
        select(Occurrence, Event, Venue)
        .join(ranked, ranked.c.occurrence_id == Occurrence.id)
        .join(Event, Occurrence.event_id == Event.id)
        .join(Venue, Event.venue_id == Venue.id)
        .where(ranked.c.rank == 1)
    )


def listings_of(query: Select[Occurrence, Event, Venue], near: Near | None) -> list[Listing]:
    """The rows of ``query``: nearest first within ``near``, else soonest first."""
    if near is not None:
        return nearest_listings(query, near)
    rows = db.session.execute(query.order_by(Occurrence.starts_at, Occurrence.id)).all()
    return [Listing(occurrence, event, venue) for occurrence, event, venue in rows]


def next_listings(limit: int) -> list[Listing]:
    """The next ``limit`` upcoming public events, each once at its next date (home page)."""
    rows = db.session.execute(
        first_dates_query(EventFilters()).order_by(Occurrence.starts_at, Occurrence.id).limit(limit)
    ).all()
    return [Listing(occurrence, event, venue) for occurrence, event, venue in rows]


_SLUG = re.compile(r"[a-z0-9-]{1,120}")


def is_slug(text: str) -> bool:
    """True if ``text`` could be a slug we made (app.events.services.new_slug).

    Checked before any lookup: PostgreSQL refuses NUL in a parameter (a 500).
    """
    return _SLUG.fullmatch(text) is not None


def get_public_event_or_404(slug: str, viewer: User | None, *, details: bool = True) -> Event:
    """The event with ``slug`` if the viewer may see it; 404 otherwise.

    Drafts are visible only to their organizer and admins (as a preview). With
    ``details`` False only the event row is loaded (venue and dates lazily, if used).
    """
    if not is_slug(slug):
        abort(404)
    query = select(Event).where(Event.slug == slug)
    if details:
        query = query.options(
            joinedload(Event.venue), joinedload(Event.organizer), selectinload(Event.skips)
        )
    event = db.session.scalar(query)
    if event is None:
        abort(404)
    if not event.is_public and not _may_manage(event, viewer):
        abort(404)
    return event


def upcoming_occurrences(event: Event, limit: int) -> list[Occurrence]:
    """The event's next occurrences (all of them if it is over, the last ``limit``)."""
    upcoming = list(
        db.session.scalars(
            select(Occurrence)
            .where(Occurrence.event_id == event.id, Occurrence.ends_at > now_utc())
            .order_by(Occurrence.starts_at)
            .limit(limit)
        )
    )
    if upcoming:
        return upcoming
    return list(
        db.session.scalars(
            select(Occurrence)
            .where(Occurrence.event_id == event.id)
            .order_by(Occurrence.starts_at.desc())
            .limit(1)
        )
    )


@dataclass(frozen=True)
class DateLine:
    """One date of an event as its page lists it: held, or cancelled with a reason."""

    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    reason: str | None = None


def date_lines(event: Event, occurrences: list[Occurrence], *, complete: bool) -> list[DateLine]:
    """``occurrences`` with the upcoming cancelled dates of the series among them.

    Cancelled dates up to the last occurrence listed are shown, all of them if the
    list is ``complete``.
    """
    lines = [DateLine(o.starts_at, o.ends_at) for o in occurrences]
    today = now_utc().astimezone(event.zone).date()
    last = occurrences[-1].occurs_on if occurrences and not complete else None
    for skip in event.skips:
        if skip.occurs_on < today or (last is not None and skip.occurs_on > last):
            continue
        start, end = instants_on(event.starts_at, event.ends_at, event.zone, skip.occurs_on)
        lines.append(DateLine(start, end, cancelled=True, reason=skip.reason))
    return sorted(lines, key=lambda line: line.starts_at)


def when_on(event: Event, day: date) -> tuple[datetime, datetime]:
    """UTC start and end of the event on the local ``day``: its occurrence, or the time a
    cancelled date would have had."""
    for occurrence in event.occurrences:
        if occurrence.occurs_on == day:
            return occurrence.starts_at, occurrence.ends_at
    return instants_on(event.starts_at, event.ends_at, event.zone, day)


def upcoming_occurrence_count(event: Event) -> int:
    """How many of the event's dates have not ended yet."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Occurrence)
        .where(Occurrence.event_id == event.id, Occurrence.ends_at > now_utc())
    )
    return count or 0


def all_occurrences(event: Event) -> tuple[list[Occurrence], list[Occurrence]]:
    """Every date of the event: (upcoming, soonest first; over, latest first)."""
    rows = db.session.scalars(
        select(Occurrence).where(Occurrence.event_id == event.id).order_by(Occurrence.starts_at)
    )
    now = now_utc()
    upcoming: list[Occurrence] = []
    over: list[Occurrence] = []
    for occurrence in rows:
        (upcoming if occurrence.ends_at > now else over).append(occurrence)
    return upcoming, over[::-1]


def _may_manage(event: Event, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or event.organizer_id == user.id


def get_owned_event_or_404(event_id: int, user: User) -> Event:
    """The event if ``user`` organizes it or is an admin; 404 otherwise (no existence leak)."""
    event = db.session.get(Event, event_id, options=[selectinload(Event.skips)])
    if event is None or not _may_manage(event, user):
        abort(404)
    return event


def owned_events(user: User) -> list[tuple[Event, datetime | None]]:
    """The user's events (all events for admins), each with its next start, soonest first."""
    now = now_utc()
    next_start = (
        select(func.min(Occurrence.starts_at))
        .where(Occurrence.event_id == Event.id, Occurrence.ends_at > now)
        .correlate(Event)
        .scalar_subquery()
    )
    query = select(Event, next_start).options(joinedload(Event.venue), joinedload(Event.organizer))
    if not user.is_admin:
        query = query.where(Event.organizer_id == user.id)
    rows = db.session.execute(
        query.order_by(next_start.is_(None), next_start, Event.created_at.desc())
    ).all()
    return [(event, start) for event, start in rows]


def may_manage(event: Event, user: User | None) -> bool:
    """True if ``user`` (None: an anonymous visitor) organizes ``event`` or is an admin."""
    return _may_manage(event, user)
