"""Proposal operations: propose, confirm, approve, reject, ask for changes, host edits.

They flush; the view commits, then mails (app.proposals.mails). Codes are 256-bit
random strings stored only as their SHA-256 (design/security.md decision 9).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.audit import record
from app.clock import now_utc
from app.events.recurrence import occurrence_instants, to_utc
from app.events.services import EventInput, cancel_event, create_event, update_event
from app.extensions import db
from app.models import (
    AuditAction,
    AuditSubject,
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    Proposal,
    ProposalStatus,
    User,
    Venue,
)
from app.models.event import TITLE_MAX
from app.proposals.forms import ProposedTime

log = logging.getLogger(__name__)

# A confirmation link works this long; an unconfirmed proposal is deleted after a week.
CONFIRM_VALID = timedelta(days=2)
UNCONFIRMED_KEPT = timedelta(days=7)
# design: a proposal is a possible duplicate of an event starting within this of it.
DUPLICATE_WINDOW = timedelta(hours=2)
# The host's address is deleted this long after the last date ends, like RSVP addresses.
EMAIL_KEPT_AFTER_END = timedelta(hours=24)


class ProposalStateError(ValueError):
    """The proposal is not in a state that allows the operation (already reviewed…)."""


def hash_token(code: str) -> str:
    """The SHA-256 stored in place of a code."""
    return hashlib.sha256(code.encode()).hexdigest()


def new_code() -> tuple[str, str]:
    """A fresh random code (256 bits) and the SHA-256 that is stored in its place."""
    code = secrets.token_urlsafe(32)
    return code, hash_token(code)


def _plausible(code: str) -> bool:
    return 20 <= len(code) <= 100 and code.isascii()


def _utc_span(times: ProposedTime) -> tuple[datetime, datetime, datetime]:
    """UTC start and end of the first date, and the end of the last date."""
    zone = ZoneInfo(times.timezone)
    starts, ends = to_utc(times.starts_local, zone), to_utc(times.ends_local, zone)
    instants = occurrence_instants(
        starts, ends, zone, times.repeat, times.repeat_until_on, frozenset()
    )
    return starts, ends, instants[-1][1] if instants else ends


def create_proposal(
    *, venue: Venue, times: ProposedTime, description: str, host_name: str, host_email: str
) -> tuple[Proposal, str]:
    """A new unconfirmed proposal and its confirmation code (for the mail only)."""
    code, code_hash = new_code()
    starts, ends, last_ends = _utc_span(times)
    proposal = Proposal(
        status=ProposalStatus.UNCONFIRMED,
        venue=venue,
        starts_at=starts,
        ends_at=ends,
        last_ends_at=last_ends,
        timezone=times.timezone,
        repeat=times.repeat,
        repeat_until_on=times.repeat_until_on,
        description=description,
        host_name=host_name,
        host_email=host_email,
        confirm_hash=code_hash,
        created_at=now_utc(),
    )
    db.session.add(proposal)
    db.session.flush()
    log.info("proposal %s created", proposal.id)
    return proposal, code


def confirm_proposal(code: str) -> Proposal | None:
    """Confirm the proposal mailed ``code``: it enters the review queue. Flushes.

    None for an unknown, used, malformed or expired code (one answer for all).
    """
    if not _plausible(code):
        return None
    proposal = db.session.scalars(
        select(Proposal).where(
            Proposal.confirm_hash == hash_token(code),
            Proposal.status == ProposalStatus.UNCONFIRMED,
        )
    ).first()
    if proposal is None or proposal.created_at + CONFIRM_VALID < now_utc():
        return None
    proposal.status = ProposalStatus.PENDING
    proposal.confirm_hash = None
    db.session.flush()
    log.info("proposal %s confirmed", proposal.id)
    return proposal


def proposal_by_manage_code(code: str) -> Proposal | None:
    """The proposal of a host's private management code, or None."""
    if not _plausible(code):
        return None
    return db.session.scalars(
        select(Proposal).where(Proposal.manage_hash == hash_token(code))
    ).first()


def possible_duplicates(proposal: Proposal) -> list[Event]:
    """Public events at the proposal's mission starting within two hours of its first
    date's start on the same local day (design: flagged to host and reviewer)."""
    zone = ZoneInfo(proposal.timezone)
    day = proposal.starts_at.astimezone(zone).date()
    rows = db.session.scalars(
        select(Event)
        .join(Occurrence, Occurrence.event_id == Event.id)
        .where(
            Event.venue_id == proposal.venue_id,
            Event.status == EventStatus.PUBLISHED,
            Occurrence.occurs_on == day,
            Occurrence.starts_at >= proposal.starts_at - DUPLICATE_WINDOW,
            Occurrence.starts_at <= proposal.starts_at + DUPLICATE_WINDOW,
        )
        .distinct()
    ).all()
    return [event for event in rows if event.id != proposal.event_id]


def _event_input(proposal: Proposal, times: ProposedTime | None = None) -> EventInput:
    zone = ZoneInfo(proposal.timezone)
    title = _("Vigil at %(place)s", place=proposal.venue.name)[:TITLE_MAX]
    return EventInput(
        title=title,
        description=proposal.description,
        kind=EventKind.VIGIL,
        venue=proposal.venue,
        timezone=proposal.timezone,
        starts_local=times.starts_local
        if times
        else proposal.starts_at.astimezone(zone).replace(tzinfo=None),
        ends_local=times.ends_local
        if times
        else proposal.ends_at.astimezone(zone).replace(tzinfo=None),
        repeat=times.repeat if times else proposal.repeat,
        repeat_until_on=times.repeat_until_on if times else proposal.repeat_until_on,
        skip_dates=frozenset(),
        capacity=None,
        contact_url=None,
        publish=True,
        organized_by=proposal.host_name,
    )


def _require(proposal: Proposal, *states: ProposalStatus) -> None:
    if proposal.status not in states:
        raise ProposalStateError(proposal.status)


def _record(action: AuditAction, proposal: Proposal, reviewer: User, *, summary: str = "") -> None:
    # The mission names the proposal; the host's e-mail never goes into the audit log.
    record(
        action,
        actor=reviewer,
        subject_type=AuditSubject.PROPOSAL,
        subject_id=proposal.id,
        label=proposal.venue.name,
        summary=summary,
    )


def approve_proposal(proposal: Proposal, *, reviewer: User) -> tuple[Event, str]:
    """Publish the proposal as an event and give the host a management code (for the mail).

    The reviewer who approves becomes the event's organizer account: a person who can
    be asked about it and can step in; the public sees the host's name as "organized by".
    Raises ProposalStateError unless the proposal is pending.
    """
    _require(proposal, ProposalStatus.PENDING)
    event = create_event(organizer=reviewer, data=_event_input(proposal))
    code, code_hash = new_code()
    proposal.status = ProposalStatus.APPROVED
    proposal.event_id = event.id
    proposal.manage_hash = code_hash
    proposal.reviewed_by_id = reviewer.id
    proposal.review_reason = None
    db.session.flush()
    _record(AuditAction.PROPOSAL_APPROVED, proposal, reviewer, summary=f"event {event.id}")
    log.info("proposal %s approved as event %s by account %s", proposal.id, event.id, reviewer.id)
    return event, code


def reject_proposal(proposal: Proposal, *, reviewer: User, reason: str) -> None:
    """Reject a pending proposal with a reason (mailed to the host by the caller)."""
    _require(proposal, ProposalStatus.PENDING)
    proposal.status = ProposalStatus.REJECTED
    proposal.review_reason = reason
    proposal.reviewed_by_id = reviewer.id
    db.session.flush()
    _record(AuditAction.PROPOSAL_REJECTED, proposal, reviewer)
    log.info("proposal %s rejected by account %s", proposal.id, reviewer.id)


def request_changes(proposal: Proposal, *, reviewer: User, reason: str) -> str:
    """Ask the host for changes; returns a management code for the mail, with which the
    host edits the proposal and sends it back to the queue."""
    _require(proposal, ProposalStatus.PENDING)
    code, code_hash = new_code()
    proposal.status = ProposalStatus.CHANGES_REQUESTED
    proposal.review_reason = reason
    proposal.reviewed_by_id = reviewer.id
    proposal.manage_hash = code_hash
    db.session.flush()
    _record(AuditAction.PROPOSAL_CHANGES_REQUESTED, proposal, reviewer)
    log.info("proposal %s: changes asked by account %s", proposal.id, reviewer.id)
    return code


def revoke_link(proposal: Proposal, *, admin: User) -> None:
    """End the host's private link (leaked, or a host who misuses it): the code is forgotten,
    so the link shows "unknown" from now on. The event itself stays as it is."""
    proposal.manage_hash = None
    db.session.flush()
    _record(AuditAction.PROPOSAL_LINK_REVOKED, proposal, admin)
    log.info("proposal %s: host's link revoked by account %s", proposal.id, admin.id)


def edit_by_host(proposal: Proposal, *, times: ProposedTime, description: str) -> int:
    """The host's edit: of the event (approved; RSVPs are told, SEQUENCE rises through
    app.events.services.update_event), or of the proposal, which returns to the queue
    (changes asked). Returns how many people were told. Raises ProposalStateError otherwise
    or for a cancelled event."""
    if proposal.status == ProposalStatus.CHANGES_REQUESTED:
        starts, ends, last_ends = _utc_span(times)
        proposal.starts_at, proposal.ends_at, proposal.last_ends_at = starts, ends, last_ends
        proposal.repeat, proposal.repeat_until_on = times.repeat, times.repeat_until_on
        proposal.description = description
        proposal.status = ProposalStatus.PENDING
        db.session.flush()
        log.info("proposal %s changed by its host and back in review", proposal.id)
        return 0
    event = _host_event(proposal)
    proposal.description = description
    result = update_event(event, data=_event_input(proposal, times), editor=event.organizer)
    starts, ends, last_ends = _utc_span(times)
    proposal.starts_at, proposal.ends_at, proposal.last_ends_at = starts, ends, last_ends
    proposal.repeat, proposal.repeat_until_on = times.repeat, times.repeat_until_on
    db.session.flush()
    return result.notified


def _host_event(proposal: Proposal) -> Event:
    _require(proposal, ProposalStatus.APPROVED)
    event = proposal.event
    if event is None or event.status != EventStatus.PUBLISHED:
        raise ProposalStateError("event")
    return event


def cancel_by_host(proposal: Proposal, *, reason: str) -> int:
    """The host cancels their approved vigil (RSVPs are told); returns how many were."""
    event = _host_event(proposal)
    return cancel_event(event, reason=reason, editor=event.organizer)


@dataclass(frozen=True)
class PurgeResult:
    """What ``purge_proposals`` deleted."""

    addresses: int
    unconfirmed: int


def purge_proposals() -> PurgeResult:
    """Delete hosts' addresses 24 h after their last date, and proposals nobody confirmed
    within a week. Flushes (design/security.md decision 12: deletion, not a flag)."""
    now = now_utc()
    forgotten = db.session.execute(
        update(Proposal)
        .where(Proposal.host_email.is_not(None), Proposal.last_ends_at < now - EMAIL_KEPT_AFTER_END)
        .values(host_email=None, confirm_hash=None)
        .execution_options(synchronize_session=False)
    )
    dropped = db.session.execute(
        delete(Proposal)
        .where(
            Proposal.status == ProposalStatus.UNCONFIRMED,
            Proposal.created_at < now - UNCONFIRMED_KEPT,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return PurgeResult(
        addresses=int(forgotten.rowcount),  # type: ignore[attr-defined]
        unconfirmed=int(dropped.rowcount),  # type: ignore[attr-defined]
    )
