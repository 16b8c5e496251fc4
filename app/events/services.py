"""Event operations: create, update, cancel, duplicate. They flush; the view commits."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from app.clock import now_utc
from app.events.recurrence import occurrence_instants, to_utc
from app.events.signals import (
    date_cancelled,
    event_cancelled,
    event_capacity_raised,
    event_changed_by,
    event_reinstated,
    event_rescheduled,
    send_counting,
)
from app.extensions import db
from app.models import (
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    OccurrenceSkip,
    Repeat,
    User,
    Venue,
)
from app.venues.services import NewVenue, create_custom_venue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventInput:
    """Validated event fields; times are naive wall times at the venue."""

    title: str
    description: str
    kind: EventKind
    venue: Venue | NewVenue
    timezone: str
    starts_local: datetime
    ends_local: datetime
    repeat: Repeat
    repeat_until_on: date | None
    skip_dates: frozenset[date]
    capacity: int | None
    contact_url: str | None
    publish: bool
    hide_count: bool = False
    organized_by: str | None = None


@dataclass(frozen=True)
class EventUpdate:
    """What an edit did: whether anything changed, whether the change concerned people who
    RSVPed (time, place, dates, capacity), and how many of them were told by e-mail."""

    changed: bool
    concerned_rsvps: bool = False
    notified: int = 0


def new_slug(title: str) -> str:
    """A readable, unguessable slug: ASCII words of the title plus 64 random bits.

    design/security.md T11: public identifiers are not enumerable.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    suffix = secrets.token_hex(8)
    return f"{words}-{suffix}" if words else suffix


def _resolve_venue(venue: Venue | NewVenue, user: User) -> Venue:
    if isinstance(venue, Venue):
        return venue
    return create_custom_venue(
        name=venue.name,
        address=venue.address,
        city=venue.city,
        country_code=venue.country_code,
        latitude=venue.latitude,
        longitude=venue.longitude,
        timezone=venue.timezone,
        created_by=user,
    )


def _rebuild_occurrences(event: Event) -> None:
    """Rewrite the materialised occurrences from the event's time and rule."""
    if event.id is not None:
        db.session.execute(delete(Occurrence).where(Occurrence.event_id == event.id))
        db.session.expire(event, ["occurrences"])
    skips = frozenset(skip.occurs_on for skip in event.skips)
    rows = occurrence_instants(
        event.starts_at,
        event.ends_at,
        ZoneInfo(event.timezone),
        Repeat(event.repeat),
        event.repeat_until_on,
        skips,
    )
    event.occurrences = [Occurrence.at(start, end, event.zone) for start, end in rows]


def _apply(event: Event, data: EventInput, venue: Venue) -> None:
    zone = ZoneInfo(data.timezone)
    event.title = data.title
    event.description = data.description
    event.kind = data.kind
    event.venue = venue
    event.timezone = data.timezone
    event.starts_at = to_utc(data.starts_local, zone)
    event.ends_at = to_utc(data.ends_local, zone)
    event.repeat = data.repeat
    event.repeat_until_on = data.repeat_until_on if data.repeat != Repeat.NONE else None
    event.capacity = data.capacity
    event.contact_url = data.contact_url
    event.organized_by = data.organized_by
    event.hide_count = data.hide_count
    current = {skip.occurs_on: skip for skip in event.skips}
    wanted = data.skip_dates if data.repeat != Repeat.NONE else frozenset()
    event.skips = [current.get(day) or OccurrenceSkip(occurs_on=day) for day in sorted(wanted)]


def _time_and_place_key(event: Event) -> tuple[object, ...]:
    """What supporters who left an e-mail are told about when it changes.

    Skipped dates are not part of it: a newly skipped date concerns only its own
    RSVPs (``date_cancelled``).
    """
    return (
        event.venue_id,
        event.starts_at,
        event.ends_at,
        event.timezone,
        event.repeat,
        event.repeat_until_on,
    )


def _skipped(event: Event) -> frozenset[date]:
    return frozenset(skip.occurs_on for skip in event.skips)


def _schedule_key(event: Event) -> tuple[object, ...]:
    """What calendar clients must be told about (design/ical.md: SEQUENCE)."""
    return (*_time_and_place_key(event), tuple(sorted(_skipped(event))), event.status)


def _capacity_grew(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


def _lock_for_waitlist(event: Event) -> None:
    """Hold the event's row lock so a raised capacity promotes from an exact count.

    PostgreSQL: ``SELECT … FOR UPDATE`` on the event row, the lock every RSVP write
    takes first (app.rsvp.services), so no RSVP is added or resized between the count
    and the promotions of ``event_capacity_raised``'s receiver. SQLite: the clause is
    dropped, and none is needed: the edit's request (a POST) began its transaction
    with ``BEGIN IMMEDIATE`` (app.db.configure_sqlite), so it holds the database's
    one write lock from its first read, and no RSVP is written until it commits.
    """
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


# The fields whose change an edit reports by name (app.events.signals.event_changed_by).
_REPORTED_FIELDS = (
    "title",
    "description",
    "kind",
    "venue_id",
    "timezone",
    "starts_at",
    "ends_at",
    "repeat",
    "repeat_until_on",
    "capacity",
    "contact_url",
    "organized_by",
    "hide_count",
    "status",
)


def _fields(event: Event) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(event, name) for name in _REPORTED_FIELDS}
    values["skips"] = tuple(sorted(_skipped(event)))
    return values


def _content_key(event: Event) -> tuple[object, ...]:
    return (
        event.title,
        event.description,
        event.kind,
        event.capacity,
        event.contact_url,
        event.hide_count,
        event.organized_by,
    )


def create_event(*, organizer: User, data: EventInput) -> Event:
    """Create an event (draft or published) with its occurrences."""
    venue = _resolve_venue(data.venue, organizer)  # may flush: before the event exists
    now = now_utc()
    event = Event(
        slug=new_slug(data.title),
        organizer=organizer,
        status=EventStatus.PUBLISHED if data.publish else EventStatus.DRAFT,
        sequence=0,
        created_at=now,
        updated_at=now,
        last_modified_at=now,
    )
    db.session.add(event)
    _apply(event, data, venue)
    _rebuild_occurrences(event)
    db.session.flush()
    log.info("event %s created by account %s", event.id, organizer.id)
    event_changed_by.send(event, editor=organizer, change="created")
    if event.status == EventStatus.PUBLISHED:
        event_changed_by.send(event, editor=organizer, change="published")
    return event


def update_event(event: Event, *, data: EventInput, editor: User) -> EventUpdate:
    """Apply an edit; returns whether anything changed and how many people were told.

    SEQUENCE grows when time, place or status change; LAST-MODIFIED on any change.
    A change of time or place sends ``event_rescheduled`` (RSVPs follow their dates
    and get "changed" notices), each newly skipped date ``date_cancelled`` (that
    date's RSVPs are told), a raised (or removed) capacity ``event_capacity_raised``
    (RSVPs: waiting-list promotions), all in the caller's transaction (app.events.signals).
    """
    _lock_for_waitlist(event)
    before_schedule, before_content = _schedule_key(event), _content_key(event)
    before_skipped = _skipped(event)
    before_time_and_place, before_capacity = _time_and_place_key(event), event.capacity
    before_fields, was_published = _fields(event), event.status == EventStatus.PUBLISHED
    _apply(event, data, _resolve_venue(data.venue, editor))
    if event.status == EventStatus.DRAFT and data.publish:
        event.status = EventStatus.PUBLISHED
    elif event.status == EventStatus.PUBLISHED and not data.publish:
        event.status = EventStatus.DRAFT
    db.session.flush()
    schedule_changed = _schedule_key(event) != before_schedule
    if not schedule_changed and _content_key(event) == before_content:
        return EventUpdate(changed=False)
    if schedule_changed:
        event.sequence += 1
        _rebuild_occurrences(event)
    event.updated_at = event.last_modified_at = now_utc()
    db.session.flush()
    log.info("event %s updated by account %s", event.id, editor.id)
    after_fields = _fields(event)
    changed_fields = tuple(
        name for name in after_fields if after_fields[name] != before_fields[name]
    )
    event_changed_by.send(event, editor=editor, change="updated", fields=changed_fields)
    if event.status == EventStatus.PUBLISHED and not was_published:
        event_changed_by.send(event, editor=editor, change="published")
    notified, concerned = 0, False
    for day in sorted(_skipped(event) - before_skipped):
        notified += send_counting(date_cancelled, event, occurs_on=day, reason=None)
        concerned = True
    if _time_and_place_key(event) != before_time_and_place:
        notified += send_counting(event_rescheduled, event)
        concerned = True
    if _capacity_grew(before_capacity, event.capacity):
        notified += send_counting(event_capacity_raised, event)
        concerned = True
    return EventUpdate(changed=True, concerned_rsvps=concerned, notified=notified)


def cancel_event(event: Event, *, reason: str, editor: User) -> int:
    """Cancel the event; it stays visible with the reason (design/ical.md: STATUS:CANCELLED).

    Sends ``event_cancelled`` (RSVPs: "cancelled" notices) in the caller's transaction;
    returns how many people were told.
    """
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason or None
    event.sequence += 1
    event.updated_at = event.last_modified_at = now_utc()
    db.session.flush()
    log.info("event %s cancelled by account %s", event.id, editor.id)
    event_changed_by.send(event, editor=editor, change="cancelled")
    return send_counting(event_cancelled, event)


class NotCancelledError(ValueError):
    """Only a cancelled event can be reinstated."""


def reinstate_event(event: Event, *, editor: User) -> int:
    """A cancelled event takes place after all: published again, its reason gone.

    Its RSVPs were kept, so ``event_reinstated`` tells them (RSVPs: "reinstated" notices)
    in the caller's transaction; returns how many people were told. SEQUENCE grows, so
    calendars drop STATUS:CANCELLED (design/ical.md). Raises NotCancelledError for an
    event that is not cancelled.
    """
    if not event.is_cancelled:
        raise NotCancelledError(event.id)
    event.status = EventStatus.PUBLISHED
    event.cancel_reason = None
    event.sequence += 1
    event.updated_at = event.last_modified_at = now_utc()
    db.session.flush()
    log.info("event %s reinstated by account %s", event.id, editor.id)
    event_changed_by.send(event, editor=editor, change="reinstated")
    return send_counting(event_reinstated, event)


class DateNotCancellableError(ValueError):
    """The date is not an upcoming date of a published or draft series."""


def cancel_date(event: Event, occurs_on: date, *, reason: str, editor: User) -> int:
    """Cancel one date of a series: it becomes a skipped date (an EXDATE in the feeds), the
    event page shows it as cancelled with ``reason``, and ``date_cancelled`` tells that
    date's RSVPs only; returns how many people were told. Raises DateNotCancellableError
    for a date that is not one of the series' dates or has started, or for a cancelled
    event or a single event.
    """
    occurrence = next((o for o in event.occurrences if o.occurs_on == occurs_on), None)
    if (
        not event.is_recurring
        or event.is_cancelled
        or occurrence is None
        or occurrence.starts_at <= now_utc()
    ):
        raise DateNotCancellableError(occurs_on)
    _lock_for_waitlist(event)
    event.skips = [*event.skips, OccurrenceSkip(occurs_on=occurs_on, reason=reason or None)]
    event.sequence += 1
    event.updated_at = event.last_modified_at = now_utc()
    db.session.flush()
    _rebuild_occurrences(event)
    db.session.flush()
    log.info("event %s: one date cancelled by account %s", event.id, editor.id)
    event_changed_by.send(event, editor=editor, change="date_cancelled", occurs_on=occurs_on)
    return send_counting(date_cancelled, event, occurs_on=occurs_on, reason=reason or None)


def touch_events_at(venue: Venue) -> None:
    """Events at ``venue``, whose details changed: their calendar entries changed too.

    The receiver of app.venues.signals.venue_changed; runs in the sender's
    transaction. design/ical.md decision 8: SEQUENCE and LAST-MODIFIED must grow,
    or clients such as ICSx5 keep showing the old LOCATION.
    """
    db.session.execute(
        update(Event)
        .where(Event.venue_id == venue.id)
        .values(sequence=Event.sequence + 1, last_modified_at=now_utc(), updated_at=now_utc())
    )


def duplicate_event(event: Event, *, organizer: User) -> Event:
    """A draft copy with a new UID and slug, for the organizer to adjust and publish."""
    now = now_utc()
    copy = Event(
        slug=new_slug(event.title),
        title=event.title,
        description=event.description,
        kind=event.kind,
        venue=event.venue,
        organizer=organizer,
        status=EventStatus.DRAFT,
        timezone=event.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        repeat=event.repeat,
        repeat_until_on=event.repeat_until_on,
        capacity=event.capacity,
        contact_url=event.contact_url,
        organized_by=event.organized_by,
        hide_count=event.hide_count,
        sequence=0,
        created_at=now,
        updated_at=now,
        last_modified_at=now,
        skips=[OccurrenceSkip(occurs_on=skip.occurs_on) for skip in event.skips],
    )
    db.session.add(copy)
    _rebuild_occurrences(copy)
    db.session.flush()
    event_changed_by.send(copy, editor=organizer, change="created")
    return copy
