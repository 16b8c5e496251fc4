"""Reads of RSVPs: counts for public pages, the organizer's list, a place in line.

Nothing here ever selects the e-mail column: no page or export shows it
(design/security.md §1.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.clock import now_utc
from app.extensions import db
from app.models import Event, EventKind, EventStatus, Occurrence
from app.models.rsvp import Rsvp, RsvpStatus

# How many of a series' next dates the RSVP form offers (and one RSVP may choose).
RSVP_DATES_MAX = 12


class RsvpClosedReason(StrEnum):
    """Why an event, or one of its dates, takes no RSVP now; ``message`` tells the visitor."""

    CANCELLED = "cancelled"
    STARTED = "started"
    DRAFT = "draft"
    NOT_A_DATE = "not-a-date"

    @property
    def message(self) -> str:
        """The sentence of the event page, the manage page and the 409 answer."""
        return str(_CLOSED_MESSAGES[self])


_CLOSED_MESSAGES = {
    RsvpClosedReason.CANCELLED: _l("This event is cancelled, so it takes no RSVPs."),
    RsvpClosedReason.STARTED: _l("RSVPs closed when this event started."),
    RsvpClosedReason.DRAFT: _l("This event is not published yet, so it takes no RSVPs."),
    RsvpClosedReason.NOT_A_DATE: _l(
        "The event does not take place on that date (any more), so it takes no RSVPs for it."
    ),
}


@dataclass(frozen=True)
class Attendance:
    """How many RSVPs and people (party sizes added up) are going and waiting."""

    going_people: int = 0
    going_rsvps: int = 0
    waitlisted_people: int = 0
    waitlisted_rsvps: int = 0


@dataclass(frozen=True)
class DateAvailability:
    """One date as the RSVP box offers it: its count (None if hidden), places, fullness."""

    occurrence: Occurrence
    going_people: int | None
    places_left: int | None
    is_full: bool


@dataclass(frozen=True)
class RsvpPanel:
    """What the event page shows about RSVPs.

    ``closed_reason`` is None while RSVPs are open. ``dates`` are the dates that take
    RSVPs, soonest first: one for a single event, the next few of a series.
    """

    closed_reason: RsvpClosedReason | None
    dates: list[DateAvailability]
    is_series: bool

    @property
    def is_open(self) -> bool:
        return self.closed_reason is None


@dataclass(frozen=True)
class RsvpRow:
    """One line of the organizer's list and CSV: never an e-mail or a token hash."""

    display_name: str | None
    party_size: int
    status: RsvpStatus
    occurs_on: date
    created_on: date
    rsvp_id: int  # for the organizer's "remove" button; the CSV leaves it out


def _counts(rows: Iterable[tuple[RsvpStatus, int, int]]) -> Attendance:
    by_status = {status: (int(count), int(people)) for status, count, people in rows}
    going_rsvps, going_people = by_status.get(RsvpStatus.GOING, (0, 0))
    waitlisted_rsvps, waitlisted_people = by_status.get(RsvpStatus.WAITLISTED, (0, 0))
    return Attendance(
        going_people=going_people,
        going_rsvps=going_rsvps,
        waitlisted_people=waitlisted_people,
        waitlisted_rsvps=waitlisted_rsvps,
    )


def attendance_by_event(event_ids: Sequence[int]) -> dict[int, Attendance]:
    """Going and waitlisted counts of each of the events, all dates added up, in one query;
    an event without RSVPs is left out."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(
            Rsvp.event_id, Rsvp.status, func.count(), func.coalesce(func.sum(Rsvp.party_size), 0)
        )
        .where(Rsvp.event_id.in_(event_ids))
        .group_by(Rsvp.event_id, Rsvp.status)
    ).all()
    grouped: dict[int, list[tuple[RsvpStatus, int, int]]] = {}
    for event_id, status, count, people in rows:
        grouped.setdefault(event_id, []).append((status, count, people))
    return {event_id: _counts(counts) for event_id, counts in grouped.items()}


def attendance_by_date(event_id: int) -> dict[date, Attendance]:
    """Going and waitlisted counts of each date of the event that has RSVPs, in one query."""
    rows = db.session.execute(
        select(
            Rsvp.occurs_on, Rsvp.status, func.count(), func.coalesce(func.sum(Rsvp.party_size), 0)
        )
        .where(Rsvp.event_id == event_id)
        .group_by(Rsvp.occurs_on, Rsvp.status)
    ).all()
    grouped: dict[date, list[tuple[RsvpStatus, int, int]]] = {}
    for day, status, count, people in rows:
        grouped.setdefault(day, []).append((status, count, people))
    return {day: _counts(counts) for day, counts in sorted(grouped.items())}


def closed_reason(event: Event, now: datetime | None = None) -> RsvpClosedReason | None:
    """Why the event takes no RSVP at all now (cancelled, draft, every date started), or None.

    The same rules as app.rsvp.services, which re-checks them per date under the lock.
    """
    now = now or now_utc()
    last_start = db.session.scalar(
        select(func.max(Occurrence.starts_at)).where(Occurrence.event_id == event.id)
    )
    return closed_reason_of(event.status, last_start, now)


def status_closed_reason(status: EventStatus) -> RsvpClosedReason | None:
    """Why no date of an event in ``status`` takes RSVPs (cancelled, draft), or None."""
    if status == EventStatus.CANCELLED:
        return RsvpClosedReason.CANCELLED
    if status != EventStatus.PUBLISHED:
        return RsvpClosedReason.DRAFT
    return None


def closed_reason_of(
    status: EventStatus, starts_at: datetime | None, now: datetime
) -> RsvpClosedReason | None:
    """Why a date starting at ``starts_at`` (None: not a date of the event) of an event in
    ``status`` takes no RSVP at ``now``, or None."""
    reason = status_closed_reason(status)
    if reason is not None:
        return reason
    if starts_at is None:
        return RsvpClosedReason.NOT_A_DATE
    if starts_at <= now:
        return RsvpClosedReason.STARTED
    return None


def open_dates(event: Event, limit: int = RSVP_DATES_MAX) -> list[Occurrence]:
    """The next ``limit`` dates of the event that have not started: those that take RSVPs."""
    return list(
        db.session.scalars(
            select(Occurrence)
            .where(Occurrence.event_id == event.id, Occurrence.starts_at > now_utc())
            .order_by(Occurrence.starts_at)
            .limit(limit)
        )
    )


def date_starts(event_id: int, days: Iterable[date]) -> dict[date, datetime]:
    """The start of each of ``days`` that is a date of the event; other days are left out."""
    rows = db.session.execute(
        select(Occurrence.occurs_on, Occurrence.starts_at).where(
            Occurrence.event_id == event_id, Occurrence.occurs_on.in_(set(days))
        )
    ).all()
    return dict(rows)


def rsvp_panel(event: Event) -> RsvpPanel:
    """The RSVP box of the public event page: open or why not, and each open date's count.

    "Full" is shown even when the count is hidden: people must know they would
    join the waiting list, and the capacity itself is not public.
    """
    # The open dates answer "has every date started?" too: no query of its own for that.
    reason = status_closed_reason(event.status)
    dates = open_dates(event) if reason is None else []
    if reason is None and not dates:
        reason = RsvpClosedReason.STARTED
    counts = attendance_by_date(event.id) if dates else {}
    offered = []
    for occurrence in dates:
        going = counts.get(occurrence.occurs_on, Attendance()).going_people
        is_full = event.capacity is not None and going >= event.capacity
        places_left = None
        if event.capacity is not None and not is_full and not event.hide_count:
            places_left = event.capacity - going
        offered.append(
            DateAvailability(
                occurrence=occurrence,
                going_people=None if event.hide_count else going,
                places_left=places_left,
                is_full=is_full,
            )
        )
    return RsvpPanel(closed_reason=reason, dates=offered, is_series=event.is_recurring)


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the first in line for the RSVP's date, and so on; None if the RSVP is going.

    Earlier RSVPs are promoted first (app.rsvp.services.promote_waitlist), though
    a smaller party further back may move up first when only a few places free up.
    """
    if rsvp.status != RsvpStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            Rsvp.event_id == rsvp.event_id,
            Rsvp.occurs_on == rsvp.occurs_on,
            Rsvp.status == RsvpStatus.WAITLISTED,
            Rsvp.id < rsvp.id,
        )
    )
    return int(ahead or 0) + 1


def event_rsvps(event_id: int, occurs_on: date | None = None) -> list[RsvpRow]:
    """The RSVPs of the event (of one date, if given) for its organizers: by date, going
    first, then the waiting list in order."""
    query = select(
        Rsvp.display_name, Rsvp.party_size, Rsvp.status, Rsvp.occurs_on, Rsvp.created_on, Rsvp.id
    ).where(Rsvp.event_id == event_id)
    if occurs_on is not None:
        query = query.where(Rsvp.occurs_on == occurs_on)
    rows = db.session.execute(
        query.order_by(Rsvp.occurs_on, Rsvp.status == RsvpStatus.WAITLISTED, Rsvp.id)
    ).all()
    return [
        RsvpRow(
            display_name=name,
            party_size=size,
            status=status,
            occurs_on=day,
            created_on=created_on,
            rsvp_id=rsvp_id,
        )
        for name, size, status, day, created_on, rsvp_id in rows
    ]


def event_with_venue(event_id: int) -> Event:
    """The event with its venue, for a page or a notice about one of its RSVPs."""
    return db.session.scalars(
        select(Event).where(Event.id == event_id).options(joinedload(Event.venue))
    ).one()


def people_going_to_upcoming(kind: EventKind) -> int:
    """People (party sizes added up) going to the dates not yet over of published events
    of ``kind``, in one aggregate query: the campaign page's figure.

    Events whose organizers hide their count are left out, so the total cannot be
    used to work out a hidden count (design/security.md TH02).
    """
    total = db.session.scalar(
        select(func.coalesce(func.sum(Rsvp.party_size), 0))
        .join(
            Occurrence,
            (Occurrence.event_id == Rsvp.event_id) & (Occurrence.occurs_on == Rsvp.occurs_on),
        )
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            Rsvp.status == RsvpStatus.GOING,
            Event.status == EventStatus.PUBLISHED,
            Event.kind == kind,
            ~Event.hide_count,
            Occurrence.ends_at > now_utc(),
        )
    )
    return int(total or 0)
