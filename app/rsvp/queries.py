"""Reads of RSVPs: counts for public pages, the organizer's list, a place in line.

Nothing here ever selects the e-mail column: no page or export shows it
(design/security.md §1.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.clock import now_utc
from app.extensions import db
from app.models import Event, EventStatus
from app.models.rsvp import Rsvp, RsvpStatus


class RsvpClosedReason(StrEnum):
    """Why an event takes no RSVP now; ``message`` tells the visitor."""

    CANCELLED = "cancelled"
    STARTED = "started"
    DRAFT = "draft"

    @property
    def message(self) -> str:
        """The sentence of the event page, the manage page and the 409 answer."""
        return str(_CLOSED_MESSAGES[self])


_CLOSED_MESSAGES = {
    RsvpClosedReason.CANCELLED: _l("This event is cancelled, so it takes no RSVPs."),
    RsvpClosedReason.STARTED: _l("RSVPs closed when this event started."),
    RsvpClosedReason.DRAFT: _l("This event is not published yet, so it takes no RSVPs."),
}


@dataclass(frozen=True)
class Attendance:
    """How many RSVPs and people (party sizes added up) are going and waiting."""

    going_people: int = 0
    going_rsvps: int = 0
    waitlisted_people: int = 0
    waitlisted_rsvps: int = 0


@dataclass(frozen=True)
class RsvpPanel:
    """What the event page shows about RSVPs.

    ``closed_reason`` is None while RSVPs are open. ``going_people`` is None when
    the organizer hides the count.
    """

    closed_reason: RsvpClosedReason | None
    going_people: int | None
    places_left: int | None
    is_full: bool

    @property
    def is_open(self) -> bool:
        return self.closed_reason is None


@dataclass(frozen=True)
class RsvpRow:
    """One line of the organizer's list and CSV: never an e-mail or a token hash."""

    display_name: str | None
    party_size: int
    status: RsvpStatus
    created_on: date
    rsvp_id: int  # for the organizer's "remove" button; the CSV leaves it out


def attendance(event_id: int) -> Attendance:
    """Going and waitlisted counts of the event, in one query."""
    rows = db.session.execute(
        select(Rsvp.status, func.count(), func.coalesce(func.sum(Rsvp.party_size), 0))
        .where(Rsvp.event_id == event_id)
        .group_by(Rsvp.status)
    ).all()
    by_status = {status: (int(count), int(people)) for status, count, people in rows}
    going_rsvps, going_people = by_status.get(RsvpStatus.GOING, (0, 0))
    waitlisted_rsvps, waitlisted_people = by_status.get(RsvpStatus.WAITLISTED, (0, 0))
    return Attendance(
        going_people=going_people,
        going_rsvps=going_rsvps,
        waitlisted_people=waitlisted_people,
        waitlisted_rsvps=waitlisted_rsvps,
    )


def closed_reason(event: Event, now: datetime | None = None) -> RsvpClosedReason | None:
    """Why the event takes no RSVP now, or None.

    The same rules as app.rsvp.services, which re-checks them under the event's lock.
    """
    return closed_reason_of(event.status, event.starts_at, now or now_utc())


def closed_reason_of(
    status: EventStatus, starts_at: datetime, now: datetime
) -> RsvpClosedReason | None:
    """Why an event in ``status`` starting at ``starts_at`` takes no RSVP at ``now``, or None."""
    if status == EventStatus.CANCELLED:
        return RsvpClosedReason.CANCELLED
    if status != EventStatus.PUBLISHED:
        return RsvpClosedReason.DRAFT
    if starts_at <= now:
        return RsvpClosedReason.STARTED
    return None


def rsvp_panel(event: Event) -> RsvpPanel:
    """The RSVP box of the public event page: open or why not, and the count if shown.

    "Full" is shown even when the count is hidden: people must know they would
    join the waiting list, and the capacity itself is not public.
    """
    counts = attendance(event.id)
    going = counts.going_people
    is_full = event.capacity is not None and going >= event.capacity
    places_left = None
    if event.capacity is not None and not is_full and not event.hide_count:
        places_left = event.capacity - going
    return RsvpPanel(
        closed_reason=closed_reason(event),
        going_people=None if event.hide_count else going,
        places_left=places_left,
        is_full=is_full,
    )


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the first in line, and so on; None if the RSVP is going.

    Earlier RSVPs are promoted first (app.rsvp.services.promote_waitlist), though
    a smaller party further back may move up first when only a few places free up.
    """
    if rsvp.status != RsvpStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            Rsvp.event_id == rsvp.event_id,
            Rsvp.status == RsvpStatus.WAITLISTED,
            Rsvp.id < rsvp.id,
        )
    )
    return int(ahead or 0) + 1


def event_rsvps(event_id: int) -> list[RsvpRow]:
    """The event's RSVPs for its organizers: going first, then the waiting list in order."""
    rows = db.session.execute(
        select(Rsvp.display_name, Rsvp.party_size, Rsvp.status, Rsvp.created_on, Rsvp.id)
        .where(Rsvp.event_id == event_id)
        .order_by(Rsvp.status == RsvpStatus.WAITLISTED, Rsvp.id)
    ).all()
    return [
        RsvpRow(
            display_name=name,
            party_size=size,
            status=status,
            created_on=created_on,
            rsvp_id=rsvp_id,
        )
        for name, size, status, created_on, rsvp_id in rows
    ]


def event_with_venue(event_id: int) -> Event:
    """The event with its venue, for a page or a notice about one of its RSVPs."""
    return db.session.scalars(
        select(Event).where(Event.id == event_id).options(joinedload(Event.venue))
    ).one()
