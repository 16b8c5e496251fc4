"""RSVP operations that keep capacity exact under concurrency.

``create_rsvp``, ``change_party_size`` and ``cancel_rsvp`` own their transaction
(STYLE.md rule 2's exception): they take the event's write lock first, count,
write and commit, so two requests can never both take the last place. On SQLite
the lock is ``BEGIN IMMEDIATE`` (the database's single writer lock); on
PostgreSQL it is ``SELECT … FOR UPDATE`` on the event row. Counting first and
inserting after without such a lock overbooked a 10-place event by 13
(design/security.md §3.2).

Promotions from the waitlist queue "promoted" notices in the same transaction
(app.rsvp.notices); after one of these functions returns, call
``notices.deliver_queued()`` to send them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.clock import now_utc
from app.extensions import db
from app.models import Event, EventStatus, Occurrence, OutboxMessage, Rsvp, RsvpStatus
from app.rsvp import notices

log = logging.getLogger(__name__)


class RsvpClosedError(Exception):
    """The event takes no RSVP now; ``reason`` is "cancelled", "started" or "unavailable"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RsvpResult:
    rsvp_id: int
    status: str
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _locked_event(event_id: int) -> Event | None:
    """Hold the event's write lock for the rest of the transaction; the caller ends it.

    SQLite takes its one write lock only at BEGIN IMMEDIATE, so the request's read
    transaction is ended first. PostgreSQL locks the event row inside the current
    transaction; each later statement still sees the latest committed RSVPs.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.rollback()
        db.session.connection(execution_options={"sqlite_immediate": True})
    return db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # fresh values under the lock
    )


def going_count(event_id: int) -> int:
    """People (party sizes added up) going to the event."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Rsvp.party_size), 0)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING
        )
    )
    return int(total or 0)


def _fits(event: Event, going: int, party_size: int) -> bool:
    return event.capacity is None or going + party_size <= event.capacity


def _check_open(event: Event | None, now: datetime) -> Event:
    if event is None or event.status == EventStatus.DRAFT:
        raise RsvpClosedError("unavailable")
    if event.status == EventStatus.CANCELLED:
        raise RsvpClosedError("cancelled")
    if event.starts_at <= now:
        raise RsvpClosedError("started")
    return event


def create_rsvp(
    event_id: int,
    *,
    display_name: str | None,
    party_size: int,
    email: str | None,
    locale: str = "en",
) -> RsvpResult:
    """Record an RSVP, going if the party fits, else waitlisted. Commits.

    Raises RsvpClosedError (nothing written) for drafts, cancelled or started events.
    """
    try:
        event = _check_open(_locked_event(event_id), now_utc())
        going = going_count(event.id)
        status = RsvpStatus.GOING if _fits(event, going, party_size) else RsvpStatus.WAITLISTED
        token = secrets.token_urlsafe(32)  # 256 bits
        rsvp = Rsvp(
            event_id=event.id,
            token_hash=hash_token(token),
            display_name=display_name or None,
            party_size=party_size,
            email=email or None,
            status=status,
            locale=locale,
            created_on=now_utc().date(),
        )
        db.session.add(rsvp)
        db.session.flush()
        result = RsvpResult(rsvp_id=rsvp.id, status=status, token=token)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s for event %s: %s", result.rsvp_id, event_id, status)
    return result


def find_rsvp(token: str) -> Rsvp | None:
    """The RSVP whose manage token is ``token``, or None (also for malformed tokens)."""
    if not 20 <= len(token) <= 100 or not token.isascii():
        return None
    return db.session.scalar(select(Rsvp).where(Rsvp.token_hash == hash_token(token)))


def promote_waitlist(event: Event) -> list[Rsvp]:
    """Move the earliest waitlisted RSVPs that fit to going; the caller holds the lock.

    Those who left an e-mail are told: their "promoted" notices are queued in the
    outbox in this same transaction (app.rsvp.notices), so the caller should call
    ``notices.deliver_queued()`` after committing. Returns the promoted RSVPs. Flushes.
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


def cancel_rsvp(rsvp_id: int) -> list[Rsvp]:
    """Delete the RSVP at once and promote who now fits. Commits; returns the promoted."""
    try:
        rsvp = db.session.get(Rsvp, rsvp_id)
        event = _locked_event(rsvp.event_id) if rsvp is not None else None
        rsvp = db.session.get(Rsvp, rsvp_id)  # reloaded inside the locked transaction
        if rsvp is None or event is None:
            db.session.rollback()
            return []
        db.session.delete(rsvp)
        db.session.flush()
        promoted = promote_waitlist(event)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s cancelled; %s promoted", rsvp_id, len(promoted))
    return promoted


def change_party_size(rsvp_id: int, party_size: int) -> tuple[str, list[Rsvp]]:
    """Set a new party size; going if it still fits, else waitlisted. Commits.

    Returns the RSVP's new status and the RSVPs promoted by a smaller party.
    Raises RsvpClosedError once the event has started or was cancelled.
    """
    try:
        current = db.session.get(Rsvp, rsvp_id)
        if current is None:
            raise RsvpClosedError("unavailable")
        event = _check_open(_locked_event(current.event_id), now_utc())
        rsvp = db.session.get(Rsvp, rsvp_id)
        if rsvp is None:
            raise RsvpClosedError("unavailable")
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
