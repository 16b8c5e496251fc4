"""Demo events at real missions, fast enough to make 100,000 for benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any, cast
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import func, insert, select

from app.clock import now_utc
from app.db import Base
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
from app.models.event import new_uid

DEMO_EMAIL = "demo-organizer@vigil.invalid"
_BATCH = 5_000  # events per bulk INSERT: bounded memory, few round trips

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

    Every fifth event is a weekly series for eight weeks with one skipped date,
    the fourth is cancelled. Their dates are materialised as the events service
    does (app.events.recurrence). Rows go in with bulk INSERTs of ``_BATCH`` events,
    so 100,000 events (for benchmarks) take seconds, not minutes; the caller commits
    and, as bulk INSERTs bypass the session's flush, starts a new cache generation.
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
    organizer_id = demo_organizer().id
    now = now_utc()
    occurrence_count = 0
    for first in range(0, count, _BATCH):
        rows, schedules = [], []
        for index in range(first, min(count, first + _BATCH)):
            row, schedule = _demo_event(index, venues[index % len(venues)], now)
            rows.append(row | {"organizer_id": organizer_id})
            schedules.append(schedule)
        _insert(Event, rows)
        # Read back by uid: INSERT … RETURNING of many rows goes row by row here.
        uids = [row["uid"] for row in rows]
        ids = dict(db.session.execute(select(Event.uid, Event.id).where(Event.uid.in_(uids))).all())
        occurrences, skips = [], []
        for row, (starts_at, ends_at, zone, until, skipped) in zip(rows, schedules, strict=True):
            event_id = ids[row["uid"]]
            repeat = Repeat.NONE if until is None else Repeat.WEEKLY
            for start, end in occurrence_instants(starts_at, ends_at, zone, repeat, until, skipped):
                occurrences.append(  # the columns of Occurrence.at(start, end, zone)
                    {"event_id": event_id, "starts_at": start, "ends_at": end}
                    | {"occurs_on": start.astimezone(zone).date()}
                )
            skips += [{"event_id": event_id, "occurs_on": day} for day in sorted(skipped)]
        _insert(Occurrence, occurrences)
        _insert(OccurrenceSkip, skips)
        occurrence_count += len(occurrences)
    return SeedReport(events=count, occurrences=occurrence_count)


def _insert(model: type[Base], rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table.

    On PostgreSQL with COPY: an executemany sends every row on its own, and a
    multi-row INSERT spends longer building its statement than the database does.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model), rows)
        return
    columns = list(rows[0])
    copy_rows = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    driver = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    with driver.cursor() as cursor, cursor.copy(copy_rows) as copy:
        for row in rows:
            # Closed sets are stored as their values (app.db.enum_type).
            copy.write_row([v.value if isinstance(v, Enum) else v for v in row.values()])


Schedule = tuple[datetime, datetime, ZoneInfo, date | None, frozenset[date]]


def _demo_event(index: int, venue: Venue, now: datetime) -> tuple[dict[str, Any], Schedule]:
    """Demo event number ``index`` at ``venue``: its row, and its first start and end
    (UTC), zone, last date of the series (None: a single date) and skipped dates."""
    title, kind, description = _TEMPLATES[index % len(_TEMPLATES)]
    zone = ZoneInfo(venue.timezone)
    day = now.date() + timedelta(days=1 + index % 60)
    wall = datetime.combine(day, time(18 if kind == EventKind.VIGIL else 15))
    starts_at, ends_at = to_utc(wall, zone), to_utc(wall + timedelta(hours=2), zone)
    recurring, cancelled = index % 5 == 4, index == 3
    until = day + timedelta(weeks=8) if recurring else None
    skips = frozenset({day + timedelta(weeks=2)}) if recurring else frozenset()
    row = {
        "uid": new_uid(),
        "slug": new_slug(title),
        "title": title,
        "description": description,
        "kind": kind,
        "venue_id": venue.id,
        "status": EventStatus.CANCELLED if cancelled else EventStatus.PUBLISHED,
        "hide_count": False,
        "cancel_reason": "The police did not allow the gathering." if cancelled else None,
        "sequence": 1 if cancelled else 0,
        "timezone": venue.timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "repeat": Repeat.WEEKLY if recurring else Repeat.NONE,
        "repeat_until_on": until,
        "created_at": now,
        "updated_at": now,
        "last_modified_at": now,
    }
    return row, (starts_at, ends_at, zone, until, skips)
