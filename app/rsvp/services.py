"""RSVP operations that keep capacity exact under concurrency.

``create_rsvp``, ``change_party_size``, ``cancel_rsvp`` and ``remove_rsvp`` own their transaction
(STYLE.md rule 2's exception): they take the event's write lock first, count,
write and commit, so two requests can never both take the last place. On SQLite
the lock is ``BEGIN IMMEDIATE`` (the database's single writer lock); on
PostgreSQL it is ``SELECT … FOR UPDATE`` on the event row. Counting first and
inserting after without such a lock overbooked a 10-place event by 13
(design/security.md §3.2).

Promotions from the waitlist queue "promoted" notices in the same transaction
(app.rsvp.notices), which mails them once it has committed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, case, delete, func, insert, select

from app.clock import now_utc
from app.db import Base
from app.extensions import db
from app.models import Event, EventStatus, Occurrence
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.rsvp import notices
from app.rsvp.queries import RsvpClosedReason, closed_reason_of

log = logging.getLogger(__name__)


class RsvpClosedError(Exception):
    """The event takes no RSVP now, for ``reason``."""

    def __init__(self, reason: RsvpClosedReason) -> None:
        super().__init__(reason)
        self.reason = reason


class RsvpNotFoundError(LookupError):
    """No such event, or no such RSVP (any more): it was deleted meanwhile."""


@dataclass(frozen=True)
class RsvpResult:
    rsvp_id: int
    event_id: int
    status: RsvpStatus
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _begin_locked() -> None:
    """On SQLite, take the database's one write lock now: ``BEGIN IMMEDIATE``.

    SQLite takes it only at BEGIN, so a read transaction the request may have
    started is ended first. On PostgreSQL this does nothing: the caller's
    ``SELECT … FOR UPDATE`` of the event row is the lock.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.rollback()
        db.session.connection(execution_options={"sqlite_immediate": True})


def _locked_event(event_id: int) -> Event | None:
    """Hold the event's write lock for the rest of the transaction; the caller ends it.

    PostgreSQL locks the event row inside the current transaction; each later
    statement still sees the latest committed RSVPs.
    """
    _begin_locked()
    return db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # fresh values under the lock
    )


# A new RSVP's statements are built once, here: built anew for each RSVP, with their
# cache keys and the ORM's bookkeeping, they took more of the app's CPU than running
# them did (cProfile of bench/rsvp.py's RSVPs). They use the tables, not the ORM
# classes: nothing here needs an object.
_rsvps_table = Base.metadata.tables[Rsvp.__tablename__]
_events, _rsvps = Base.metadata.tables[Event.__tablename__].c, _rsvps_table.c

_GOING_PEOPLE = select(func.coalesce(func.sum(_rsvps.party_size), 0)).where(
    _rsvps.event_id == bindparam("event_id"), _rsvps.status == RsvpStatus.GOING.value
)

# Only the columns the checks need. The count cannot join this statement: PostgreSQL
# takes a statement's snapshot when it starts, so a count in the locking statement
# would miss the RSVP committed by the lock holder it waited for.
_LOCK_EVENT = select(_events.id, _events.status, _events.starts_at, _events.capacity)
_LOCK_EVENT_BY_ID = _LOCK_EVENT.where(_events.id == bindparam("key")).with_for_update()
_LOCK_EVENT_BY_SLUG = _LOCK_EVENT.where(_events.slug == bindparam("key")).with_for_update()

# The rule of _fits, applied by the database to a count it takes under the lock:
# one statement counts, decides and writes.
_capacity = bindparam("capacity", type_=Integer)
_INSERT_RSVP = (
    insert(_rsvps_table)
    .values(
        event_id=bindparam("event_id"),
        token_hash=bindparam("token_hash"),
        display_name=bindparam("display_name"),
        party_size=bindparam("party_size"),
        email=bindparam("email"),
        locale=bindparam("locale"),
        created_on=bindparam("created_on"),
        status=case(
            (_capacity.is_(None), RsvpStatus.GOING.value),
            (
                _GOING_PEOPLE.scalar_subquery() + bindparam("party_size") <= _capacity,
                RsvpStatus.GOING.value,
            ),
            else_=RsvpStatus.WAITLISTED.value,
        ),
    )
    .returning(_rsvps.id, _rsvps.status)
)


def going_count(event_id: int) -> int:
    """People (party sizes added up) going to the event."""
    return int(db.session.scalar(_GOING_PEOPLE, {"event_id": event_id}) or 0)


def _fits(event: Event, going: int, party_size: int) -> bool:
    return event.capacity is None or going + party_size <= event.capacity


def _refuse_if_closed(status: EventStatus, starts_at: datetime, now: datetime) -> None:
    """Raise RsvpClosedError if an event in this state takes no RSVP at ``now``."""
    reason = closed_reason_of(status, starts_at, now)
    if reason is not None:
        raise RsvpClosedError(reason)


def _check_open(event: Event | None, now: datetime) -> Event:
    if event is None:
        raise RsvpNotFoundError
    _refuse_if_closed(event.status, event.starts_at, now)
    return event


def create_rsvp(
    event: int | str,
    *,
    display_name: str | None,
    party_size: int,
    email: str | None,
    locale: str = "en",
) -> RsvpResult:
    """Record an RSVP, going if the party fits, else waitlisted. Commits.

    ``event`` is the event's id, or its slug: the form posts to the slug, and the
    event is read only here, under its lock, so an RSVP costs no read before it.
    Nothing is written when it raises: RsvpNotFoundError for an unknown event,
    RsvpClosedError for a draft, cancelled or started one. The caller decides
    which of these a visitor who may not see a draft is told.
    """
    lock = _LOCK_EVENT_BY_ID if isinstance(event, int) else _LOCK_EVENT_BY_SLUG
    token = secrets.token_urlsafe(32)  # 256 bits
    try:
        _begin_locked()
        locked = db.session.execute(lock, {"key": event}).one_or_none()
        if locked is None:
            raise RsvpNotFoundError
        event_id, event_status, starts_at, capacity = locked
        _refuse_if_closed(event_status, starts_at, now_utc())
        rsvp_id, stored_status = db.session.execute(
            _INSERT_RSVP,
            {
                "event_id": event_id,
                "token_hash": hash_token(token),
                "display_name": display_name or None,
                "party_size": party_size,
                "email": email or None,
                "locale": locale,
                "created_on": now_utc().date(),
                "capacity": capacity,
            },
        ).one()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s for event %s: %s", rsvp_id, event_id, stored_status)
    return RsvpResult(rsvp_id=rsvp_id, event_id=event_id, status=stored_status, token=token)


def find_rsvp(token: str) -> Rsvp | None:
    """The RSVP whose manage token is ``token``, or None (also for malformed tokens)."""
    if not 20 <= len(token) <= 100 or not token.isascii():
        return None
    return db.session.scalar(select(Rsvp).where(Rsvp.token_hash == hash_token(token)))


def promote_waitlist(event: Event) -> list[Rsvp]:
    """Move the earliest waitlisted RSVPs that fit to going; the caller holds the lock.

    Those who left an e-mail are told: their "promoted" notices are queued in the
    outbox in this same transaction and mailed once it has committed
    (app.rsvp.notices). Returns the promoted RSVPs. Flushes.
    """
    going = going_count(event.id)
    promoted = []
    waiting = db.session.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.id)
    )
    for rsvp in waiting:
        if _fits(event, going, rsvp.party_size):
            rsvp.status = RsvpStatus.GOING
            going += rsvp.party_size
            promoted.append(rsvp)
    db.session.flush()
    if promoted:
        notices.queue_promoted(event, promoted)
    return promoted


def _delete_and_promote(rsvp: Rsvp, event: Event) -> list[Rsvp]:
    """Delete ``rsvp`` (its e-mail with it), promote who now fits and commit; the caller
    holds the event's lock. Returns the promoted RSVPs."""
    db.session.delete(rsvp)
    db.session.flush()
    promoted = promote_waitlist(event)
    db.session.commit()
    return promoted


def cancel_rsvp(rsvp_id: int) -> list[Rsvp]:
    """Delete the RSVP at once and promote who now fits. Commits; returns the promoted."""
    try:
        rsvp = db.session.get(Rsvp, rsvp_id)
        event = _locked_event(rsvp.event_id) if rsvp is not None else None
        rsvp = db.session.get(Rsvp, rsvp_id)  # reloaded inside the locked transaction
        if rsvp is None or event is None:
            db.session.rollback()
            return []
        promoted = _delete_and_promote(rsvp, event)
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s cancelled; %s promoted", rsvp_id, len(promoted))
    return promoted


def remove_rsvp(event_id: int, rsvp_id: int) -> list[Rsvp]:
    """Take an RSVP off its event's list for the organizer, and promote who now fits. Commits.

    The RSVP is deleted at once, with any e-mail address, as on a cancellation;
    the promoted are told by mail after the commit (their notices are queued in
    this transaction). The removed supporter is not mailed: a notice would tell
    whoever gave the address what the organizer did, and a flood's addresses
    need no answer. Their private link then answers like an unknown one.

    Returns the promoted RSVPs. Raises RsvpNotFoundError if the event has no such
    RSVP (any more), RsvpClosedError once the event has started, was cancelled
    or is a draft: nobody is promoted to an event that no longer takes RSVPs.
    """
    try:
        event = _check_open(_locked_event(event_id), now_utc())
        rsvp = db.session.get(Rsvp, rsvp_id)
        if rsvp is None or rsvp.event_id != event.id:
            raise RsvpNotFoundError
        promoted = _delete_and_promote(rsvp, event)
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s removed from event %s; %s promoted", rsvp_id, event_id, len(promoted))
    return promoted


def change_party_size(rsvp_id: int, party_size: int) -> tuple[RsvpStatus, list[Rsvp]]:
    """Set a new party size; going if it still fits, else waitlisted. Commits.

    Returns the RSVP's new status and the RSVPs promoted by a smaller party.
    Raises RsvpClosedError once the event has started, was cancelled or is a
    draft again, RsvpNotFoundError if the RSVP is gone (cancelled meanwhile).
    """
    try:
        current = db.session.get(Rsvp, rsvp_id)
        if current is None:
            raise RsvpNotFoundError
        event = _check_open(_locked_event(current.event_id), now_utc())
        rsvp = db.session.get(Rsvp, rsvp_id)
        if rsvp is None:
            raise RsvpNotFoundError
        if rsvp.status == RsvpStatus.GOING:
            others = going_count(event.id) - rsvp.party_size
            if not _fits(event, others, party_size):
                rsvp.status = RsvpStatus.WAITLISTED
        # A waitlisted RSVP keeps its place in line; promote_waitlist decides.
        rsvp.party_size = party_size
        db.session.flush()
        promoted = promote_waitlist(event)
        status = rsvp.status
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return status, promoted


# design/security.md decision 12: RSVPs (and their e-mails) go 24 h after the event.
RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class PurgeResult:
    events: int
    rsvps: int
    messages: int


def purge_ended_events(now: datetime | None = None) -> PurgeResult:
    """Delete the RSVPs and outbox messages of events whose last date ended over 24 h ago.

    An event's end is the end of its last occurrence (a series ends with its last
    date). Flushes; the caller commits and then, on SQLite, checkpoints the WAL so the
    deleted e-mails leave the files too (app.rsvp.cli).
    """
    cutoff = (now or now_utc()) - RETENTION
    last_end = (
        select(func.max(Occurrence.ends_at))
        .where(Occurrence.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    ended = select(Event.id).where(func.coalesce(last_end, Event.ends_at) < cutoff)
    events = db.session.scalar(
        select(func.count(func.distinct(Rsvp.event_id))).where(Rsvp.event_id.in_(ended))
    )
    no_sync = {"synchronize_session": False}
    rsvps = db.session.execute(
        delete(Rsvp).where(Rsvp.event_id.in_(ended)), execution_options=no_sync
    )
    messages = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.event_id.in_(ended)), execution_options=no_sync
    )
    db.session.flush()
    result = PurgeResult(
        events=int(events or 0),
        rsvps=rsvps.rowcount,  # type: ignore[attr-defined]
        messages=messages.rowcount,  # type: ignore[attr-defined]
    )
    log.info(
        "purged %s RSVPs and %s notices of %s ended events",
        result.rsvps,
        result.messages,
        result.events,
    )
    return result
