"""Demo events at real missions, fast enough to make 10,000 for benchmarks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.clock import now_utc
from app.events.recurrence import occurrence_instants, to_utc
from app.events.services import new_slug
from app.extensions import db
from app.models import (
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    OccurrenceSkip,
    Repeat,
    Role,
    User,
    Venue,
    VenueStatus,
)

DEMO_EMAIL = "demo-organizer@vigil.invalid"

# (title, kind, description); Persian text keeps its ZWNJ (U+200C).
_TEMPLATES = (
    (
        "Vigil for the political prisoners of Iran",
        EventKind.VIGIL,
        "Bring candles and the names of prisoners.\nWe stand in silence for one hour.",
    ),
    (
        "Woman, Life, Freedom — rally",
        EventKind.RALLY,
        "Speeches, music and the reading of the campaign statement.",
    ),
    (
        "زن، زندگی، آزادی — تجمع در برابر سفارت",
        EventKind.RALLY,
        "برای آزادی همه‌ی زندانیان سیاسی.",
    ),
    (
        "Stop the executions: silent vigil",
        EventKind.VIGIL,
        "Photos of the executed and of those on death row.",
    ),
    ("Solidarity march to the embassy", EventKind.MARCH, "We meet at the station and walk."),
)


@dataclass(frozen=True)
class SeedReport:
    events: int
    occurrences: int


def events_exist() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Event)))


def demo_organizer() -> User:
    """The demo organizer, created without a usable password."""
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(
            email=DEMO_EMAIL, display_name="Vigil demo", password_hash=None, role=Role.ORGANIZER
        )
        db.session.add(user)
        db.session.flush()
    return user


def seed_events(count: int) -> SeedReport:
    """Create ``count`` upcoming events spread over the missions with coordinates.

    Every fifth event is a weekly vigil for eight weeks with one skipped date,
    the fourth is cancelled. Flushes; the caller commits.
    """
    venues = list(
        db.session.scalars(
            select(Venue)
            .where(Venue.latitude.is_not(None), Venue.status != VenueStatus.CLOSED)
            .order_by(Venue.country_code, Venue.city)
        )
    )
    if not venues:
        raise LookupError("no venues with coordinates; run 'flask --app wsgi venues import'")
    organizer = demo_organizer()
    today = now_utc().date()
    now = now_utc()
    occurrence_count = 0
    cycle = itertools.cycle(_TEMPLATES)
    for index in range(count):
        title, kind, description = next(cycle)
        venue = venues[index % len(venues)]
        zone = ZoneInfo(venue.timezone)
        day = today + timedelta(days=1 + index % 60)
        wall = datetime.combine(day, time(18 if kind == EventKind.VIGIL else 15))
        starts_at = to_utc(wall, zone)
        ends_at = to_utc(wall + timedelta(hours=2), zone)
        recurring = index % 5 == 4
        until = day + timedelta(weeks=8) if recurring else None
        skips = frozenset({day + timedelta(weeks=2)}) if recurring else frozenset()
        event = Event(
            slug=new_slug(title),
            title=title,
            description=description,
            kind=kind,
            venue=venue,
            organizer=organizer,
            status=EventStatus.CANCELLED if index == 3 else EventStatus.PUBLISHED,
            cancel_reason="The police did not allow the gathering." if index == 3 else None,
            sequence=1 if index == 3 else 0,
            timezone=venue.timezone,
            starts_at=starts_at,
            ends_at=ends_at,
            repeat=Repeat.WEEKLY if recurring else Repeat.NONE,
            repeat_until_on=until,
            created_at=now,
            updated_at=now,
            last_modified_at=now,
        )
        event.skips = [OccurrenceSkip(occurs_on=skip) for skip in sorted(skips)]
        instants = occurrence_instants(starts_at, ends_at, zone, Repeat(event.repeat), until, skips)
        event.occurrences = [Occurrence.at(s, e, zone) for s, e in instants]
        occurrence_count += len(instants)
        db.session.add(event)
    db.session.flush()
    return SeedReport(events=count, occurrences=occurrence_count)
