"""RSVP operations that keep capacity exact under concurrency.

Capacity and the waiting list are per date of the event (a weekly vigil's
Thursdays each have their own). ``create_rsvp``, ``change_party_size``,
``cancel_rsvps`` and ``remove_rsvp`` own their transaction
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, and_, bindparam, case, delete, func, insert, or_, select

from app.clock import now_utc
from app.db import Base
from app.extensions import db
from app.models import Event, EventStatus, Occurrence
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.pagecache import live_data_written
from app.rsvp import notices
from app.rsvp.queries import (
    RsvpClosedReason,
    closed_reason_of,
    date_starts,
    status_closed_reason,
)

log = logging.getLogger(__name__)


class RsvpClosedError(Exception):
    """The event takes no RSVP now, for ``reason``."""

    def __init__(self, reason: RsvpClosedReason) -> None:
        super().__init__(reason)
        self.reason = reason


class RsvpNotFoundError(LookupError):
    """No such event, or no such RSVP (any more): it was deleted meanwhile."""


class RsvpDateRequiredError(ValueError):
    """An RSVP for a series names no date: the supporter must choose."""


@dataclass(frozen=True)
class StoredDate:
    """One date of a new RSVP: its row and whether it is going or waitlisted."""

    occurs_on: date
    status: RsvpStatus
    rsvp_id: int


@dataclass(frozen=True)
class RsvpResult:
    event_id: int
    token: str
    dates: tuple[StoredDate, ...]  # soonest first

    @property
    def all_going(self) -> bool:
        return all(stored.status == RsvpStatus.GOING for stored in self.dates)

    @property
    def status(self) -> RsvpStatus:
        """The status of the first date: a single event's only one."""
        return self.dates[0].status

    @property
    def rsvp_id(self) -> int:
        """The row of the first date: a single event's only one."""
        return self.dates[0].rsvp_id


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
    statement still sees the latest committed RSVPs. One lock for every date of
    the event: simple, and a rush is on one date anyway.
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
_events = Base.metadata.tables[Event.__tablename__].c
_rsvps = _rsvps_table.c
_occurrences = Base.metadata.tables[Occurrence.__tablename__].c

_GOING_PEOPLE = select(func.coalesce(func.sum(_rsvps.party_size), 0)).where(
    _rsvps.event_id == bindparam("event_id"),
    _rsvps.occurs_on == bindparam("occurs_on"),
    _rsvps.status == RsvpStatus.GOING.value,
)

# Only the columns the checks need. The count cannot join this statement: PostgreSQL
# takes a statement's snapshot when it starts, so a count in the locking statement
# would miss the RSVP committed by the lock holder it waited for.
_LOCK_EVENT = select(_events.id, _events.status, _events.capacity)
_LOCK_EVENT_BY_ID = _LOCK_EVENT.where(_events.id == bindparam("key")).with_for_update()
_LOCK_EVENT_BY_SLUG = _LOCK_EVENT.where(_events.slug == bindparam("key")).with_for_update()
# The chosen dates that are dates of the event, with their starts.
_CHOSEN_DATES = select(_occurrences.occurs_on, _occurrences.starts_at).where(
    _occurrences.event_id == bindparam("event_id"),
    _occurrences.occurs_on.in_(bindparam("days", expanding=True)),
)
# No date chosen: fine for an event with exactly one date (two rows tell a series).
_ONLY_DATE = (
    select(_occurrences.occurs_on, _occurrences.starts_at)
    .where(_occurrences.event_id == bindparam("event_id"))
    .limit(2)
)

# The rule of _fits, applied by the database to a count it takes under the lock:
# one statement counts, decides and writes.
_capacity = bindparam("capacity", type_=Integer)
_INSERT_RSVP = (
    insert(_rsvps_table)
    .values(
        event_id=bindparam("event_id"),
        occurs_on=bindparam("occurs_on"),
        token_hash=bindparam("token_hash"),
        display_name=bindparam("display_name"),
        party_size=bindparam("party_size"),
        email=bindparam("email"),
        confirm_hash=bindparam("confirm_hash"),
        email_confirmed=False,
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


def going_count(event_id: int, occurs_on: date) -> int:
    """People (party sizes added up) going to the event on ``occurs_on``."""
    return int(
        db.session.scalar(_GOING_PEOPLE, {"event_id": event_id, "occurs_on": occurs_on}) or 0
    )


def _fits(event: Event, going: int, party_size: int) -> bool:
    return event.capacity is None or going + party_size <= event.capacity


def _refuse_if_closed(status: EventStatus, starts_at: datetime | None, now: datetime) -> None:
    """Raise RsvpClosedError if a date starting at ``starts_at`` takes no RSVP at ``now``."""
    reason = closed_reason_of(status, starts_at, now)
    if reason is not None:
        raise RsvpClosedError(reason)


def _chosen_dates(event_id: int, days: Sequence[date]) -> dict[date, datetime]:
    """Start of each chosen date; raises if one is not a date of the event, or if none was
    chosen for a series."""
    if days:
        rows = db.session.execute(_CHOSEN_DATES, {"event_id": event_id, "days": list(days)}).all()
        found = dict(rows)
        if len(found) != len(set(days)):
            raise RsvpClosedError(RsvpClosedReason.NOT_A_DATE)
        return found
    rows = db.session.execute(_ONLY_DATE, {"event_id": event_id}).all()
    if len(rows) != 1:
        raise RsvpDateRequiredError
    return {rows[0][0]: rows[0][1]}


def create_rsvp(
    event: int | str,
    *,
    display_name: str | None,
    party_size: int,
    email: str | None,
    dates: Sequence[date] = (),
    confirm_hash: str | None = None,
    locale: str = "en",
) -> RsvpResult:
    """Record an RSVP for each chosen date, going if the party fits, else waitlisted. Commits.

    ``event`` is the event's id, or its slug: the form posts to the slug, and the
    event is read only here, under its lock, so an RSVP costs no read before it.
    ``dates`` are local dates of the event; none means the only date of a single
    event. The dates share one private code. ``email`` is unconfirmed until its owner
    uses the code whose hash is ``confirm_hash`` (app.rsvp.consent). Nothing is
    written when it raises:
    RsvpNotFoundError for an unknown event, RsvpClosedError for a draft or
    cancelled event or a date that started or is not one of its dates,
    RsvpDateRequiredError for a series without a date. The caller decides which
    of these a visitor who may not see a draft is told.
    """
    lock = _LOCK_EVENT_BY_ID if isinstance(event, int) else _LOCK_EVENT_BY_SLUG
    token = secrets.token_urlsafe(32)  # 256 bits
    now = now_utc()
    try:
        _begin_locked()
        locked = db.session.execute(lock, {"key": event}).one_or_none()
        if locked is None:
            raise RsvpNotFoundError
        event_id, event_status, capacity = locked
        closed = status_closed_reason(event_status)  # before the dates: "cancelled" says more
        if closed is not None:
            raise RsvpClosedError(closed)
        chosen = _chosen_dates(event_id, dates)
        for starts_at in chosen.values():
            _refuse_if_closed(event_status, starts_at, now)
        token_hash = hash_token(token)
        stored = []
        for day in sorted(chosen):
            rsvp_id, status = db.session.execute(
                _INSERT_RSVP,
                {
                    "event_id": event_id,
                    "occurs_on": day,
                    "token_hash": token_hash,
                    "display_name": display_name or None,
                    "party_size": party_size,
                    "email": email or None,
                    "confirm_hash": confirm_hash if email else None,
                    "locale": locale,
                    "created_on": now.date(),
                    "capacity": capacity,
                },
            ).one()
            stored.append(StoredDate(day, RsvpStatus(status), rsvp_id))
        live_data_written()  # the event page's counts
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp for %s dates of event %s", len(stored), event_id)
    return RsvpResult(event_id=event_id, token=token, dates=tuple(stored))


def find_rsvps(token: str) -> list[Rsvp]:
    """The RSVPs (one per date) whose manage code is ``token``, soonest date first; empty
    for an unknown or malformed code."""
    if not 20 <= len(token) <= 100 or not token.isascii():
        return []
    return list(
        db.session.scalars(
            select(Rsvp).where(Rsvp.token_hash == hash_token(token)).order_by(Rsvp.occurs_on)
        )
    )


def promote_waitlist(event: Event, occurs_on: date) -> list[Rsvp]:
    """Move the earliest waitlisted RSVPs of ``occurs_on`` that fit to going; the caller
    holds the lock.

    Those who left an e-mail are told: their "promoted" notices are queued in the
    outbox in this same transaction and mailed once it has committed
    (app.rsvp.notices). Returns the promoted RSVPs. Flushes.
    """
    going = going_count(event.id, occurs_on)
    promoted = []
    waiting = db.session.scalars(
        select(Rsvp)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.occurs_on == occurs_on,
            Rsvp.status == RsvpStatus.WAITLISTED,
        )
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


def promote_every_date(event: Event) -> list[Rsvp]:
    """Promote on every date that has a waiting list (after capacity grew); the caller
    holds the lock. Flushes."""
    days = db.session.scalars(
        select(Rsvp.occurs_on)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .distinct()
    ).all()
    return [rsvp for day in sorted(days) for rsvp in promote_waitlist(event, day)]


def _delete_and_promote(rsvps: Sequence[Rsvp], event: Event) -> list[Rsvp]:
    """Delete ``rsvps`` (their e-mail with them), promote who now fits on their dates and
    commit; the caller holds the event's lock. Returns the promoted RSVPs."""
    for rsvp in rsvps:
        db.session.delete(rsvp)
    db.session.flush()
    # Nobody moves up to an event that is not taking place (cancelled, or a draft): a
    # "place became free" mail would be wrong. Reinstating promotes who then fits.
    taking_place = event.status is EventStatus.PUBLISHED
    days = sorted({rsvp.occurs_on for rsvp in rsvps}) if taking_place else []
    promoted = [rsvp for day in days for rsvp in promote_waitlist(event, day)]
    db.session.commit()
    return promoted


def _locked_rsvps(token: str, occurs_on: date | None) -> tuple[Event | None, list[Rsvp]]:
    """The event's lock, then the code's RSVPs (of one date, if given) as they are now."""
    found = find_rsvps(token)
    if not found:
        db.session.rollback()
        return None, []
    event = _locked_event(found[0].event_id)
    rows = find_rsvps(token)  # reloaded inside the locked transaction
    if occurs_on is not None:
        rows = [rsvp for rsvp in rows if rsvp.occurs_on == occurs_on]
    return event, rows


def cancel_rsvps(token: str, occurs_on: date | None = None) -> list[Rsvp]:
    """Delete the code's RSVPs (for one date, if given) at once and promote who now fits.

    Commits; returns the promoted. Deleting is allowed at any time: it only removes data.
    """
    try:
        event, rows = _locked_rsvps(token, occurs_on)
        if event is None or not rows:
            db.session.rollback()
            return []
        promoted = _delete_and_promote(rows, event)
    except BaseException:
        db.session.rollback()
        raise
    log.info("%s rsvps cancelled; %s promoted", len(rows), len(promoted))
    return promoted


def remove_rsvp(event_id: int, rsvp_id: int) -> list[Rsvp]:
    """Take an RSVP (one date) off its event's list for the organizer, and promote who now
    fits. Commits.

    The RSVP is deleted at once, with any e-mail address, as on a cancellation;
    the promoted are told by mail after the commit (their notices are queued in
    this transaction). The removed supporter is not mailed: a notice would tell
    whoever gave the address what the organizer did, and a flood's addresses
    need no answer. Their private link then no longer shows that date.

    Returns the promoted RSVPs. Raises RsvpNotFoundError if the event has no such
    RSVP (any more), RsvpClosedError once its date has started, or the event was
    cancelled or is a draft: nobody is promoted to a date that no longer takes RSVPs.
    """
    try:
        event = _locked_event(event_id)
        rsvp = db.session.get(Rsvp, rsvp_id) if event is not None else None
        if event is None or rsvp is None or rsvp.event_id != event.id:
            raise RsvpNotFoundError
        starts_at = date_starts(event.id, [rsvp.occurs_on]).get(rsvp.occurs_on)
        _refuse_if_closed(event.status, starts_at, now_utc())
        promoted = _delete_and_promote([rsvp], event)
    except BaseException:
        db.session.rollback()
        raise
    log.info("rsvp %s removed from event %s; %s promoted", rsvp_id, event_id, len(promoted))
    return promoted


def change_party_size(token: str, party_size: int) -> list[Rsvp]:
    """Set a new party size on every date of the code that has not started; going where
    it still fits, else waitlisted. Commits.

    Returns the RSVPs promoted by a smaller party. Raises RsvpClosedError when no
    date of the code takes RSVPs any more (started, cancelled, a draft again),
    RsvpNotFoundError if the code's RSVPs are gone (cancelled meanwhile).
    """
    try:
        event, rows = _locked_rsvps(token, None)
        if event is None or not rows:
            raise RsvpNotFoundError
        now = now_utc()
        starts = date_starts(event.id, [rsvp.occurs_on for rsvp in rows])
        reasons = [closed_reason_of(event.status, starts.get(r.occurs_on), now) for r in rows]
        open_rows = [rsvp for rsvp, reason in zip(rows, reasons, strict=True) if reason is None]
        if not open_rows:
            raise RsvpClosedError(next(reason for reason in reasons if reason is not None))
        promoted = []
        for rsvp in open_rows:
            if rsvp.status == RsvpStatus.GOING:
                others = going_count(event.id, rsvp.occurs_on) - rsvp.party_size
                if not _fits(event, others, party_size):
                    rsvp.status = RsvpStatus.WAITLISTED
            # A waitlisted RSVP keeps its place in line; promote_waitlist decides.
            rsvp.party_size = party_size
            db.session.flush()
            promoted += promote_waitlist(event, rsvp.occurs_on)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return promoted


def follow_new_dates(event: Event) -> None:
    """After the event's dates changed, move RSVPs whose date is gone; the caller holds
    the event's lock. Flushes.

    A single event's RSVPs follow it to its new date. A series' RSVP whose date is no
    longer one of its dates (the weekday changed, the series got shorter) moves to the
    series' next date on or after it, unless its code already holds that date (then it
    goes: one row per code and date); without a next date it stays where it is, and
    its manage page says the date is gone. Dates that are over and dates the organizer
    cancelled (whose RSVPs were told) are left alone. A moved RSVP keeps "going" only
    if it fits on its new date beside those already there; else it joins that date's
    waiting list.
    """
    dates = sorted(occurrence.occurs_on for occurrence in event.occurrences)
    if not dates:
        return
    today = now_utc().astimezone(event.zone).date()
    skipped = {skip.occurs_on for skip in event.skips}
    current = db.session.scalars(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.occurs_on >= today).order_by(Rsvp.id)
    ).all()
    # One row per code and date: a row whose new date its code already holds goes.
    held = {(rsvp.token_hash, rsvp.occurs_on) for rsvp in current}
    moved: dict[date, list[Rsvp]] = {}
    for rsvp in current:
        if rsvp.occurs_on in dates or rsvp.occurs_on in skipped:
            continue
        later = dates if not event.is_recurring else [day for day in dates if day >= rsvp.occurs_on]
        if not later:
            continue
        if (rsvp.token_hash, later[0]) in held:
            db.session.delete(rsvp)
            moved.setdefault(later[0], [])  # its place may free one there
            continue
        held.add((rsvp.token_hash, later[0]))
        rsvp.occurs_on = later[0]
        moved.setdefault(later[0], []).append(rsvp)
    db.session.flush()
    for day, arrivals in sorted(moved.items()):
        going = going_count(event.id, day) - sum(r.party_size for r in arrivals if r.is_going)
        for rsvp in arrivals:  # in order of RSVP
            if rsvp.is_going and _fits(event, going, rsvp.party_size):
                going += rsvp.party_size
            else:
                rsvp.status = RsvpStatus.WAITLISTED
        db.session.flush()
        promote_waitlist(event, day)


# design/security.md decision 12: RSVPs (and their e-mails) go 24 h after the event.
RETENTION = timedelta(hours=24)
OUTBOX_MAX_AGE = timedelta(days=3)


@dataclass(frozen=True)
class PurgeResult:
    events: int
    rsvps: int
    messages: int


def purge_ended_events(now: datetime | None = None) -> PurgeResult:
    """Delete the RSVPs of dates that ended over 24 hours ago, and old outbox messages.

    An RSVP goes 24 hours after the end of its own date, so an address given for
    the first Thursday of a weekly vigil is not kept until the series ends. An RSVP
    whose date is no longer one of the event's dates (the organizer cancelled it)
    goes once that day has been over for 24 hours in every time zone: from 00:00 UTC
    three days after it. Outbox
    messages go with their event's last date, or after OUTBOX_MAX_AGE: a notice
    that could not be sent for days is no use, and it holds an address. Flushes;
    the caller commits and then, on SQLite, checkpoints the WAL so the deleted
    e-mails leave the files too (app.rsvp.cli).
    """
    now = now or now_utc()
    cutoff = now - RETENTION
    date_end = (
        select(Occurrence.ends_at)
        .where(Occurrence.event_id == Rsvp.event_id, Occurrence.occurs_on == Rsvp.occurs_on)
        .correlate(Rsvp)
        .scalar_subquery()
    )
    over = or_(
        date_end < cutoff,
        and_(date_end.is_(None), Rsvp.occurs_on < (cutoff - timedelta(days=1)).date()),
    )
    events = db.session.scalar(select(func.count(func.distinct(Rsvp.event_id))).where(over))
    last_end = (
        select(func.max(Occurrence.ends_at))
        .where(Occurrence.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    ended = select(Event.id).where(func.coalesce(last_end, Event.ends_at) < cutoff)
    no_sync = {"synchronize_session": False}
    rsvps = db.session.execute(delete(Rsvp).where(over), execution_options=no_sync)
    messages = db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.event_id.in_(ended), OutboxMessage.created_at < now - OUTBOX_MAX_AGE)
        ),
        execution_options=no_sync,
    )
    db.session.flush()
    result = PurgeResult(
        events=int(events or 0),
        rsvps=rsvps.rowcount,  # type: ignore[attr-defined]
        messages=messages.rowcount,  # type: ignore[attr-defined]
    )
    log.info(
        "purged %s RSVPs and %s notices of %s events",
        result.rsvps,
        result.messages,
        result.events,
    )
    return result
