"""Writing the audit log. ``record`` adds, nothing updates or deletes (the database refuses)."""

from __future__ import annotations

from collections.abc import Iterable

from app.extensions import db
from app.models import AuditAction, AuditEntry, AuditSubject, Event, User
from app.models.audit import ACTOR_NAME_MAX, LABEL_MAX, SUMMARY_MAX

# What the events' ``event_changed_by`` signal names a change (app.events.signals).
_EVENT_ACTIONS = {
    "created": AuditAction.EVENT_CREATED,
    "updated": AuditAction.EVENT_UPDATED,
    "published": AuditAction.EVENT_PUBLISHED,
    "cancelled": AuditAction.EVENT_CANCELLED,
    "reinstated": AuditAction.EVENT_REINSTATED,
    "date_cancelled": AuditAction.EVENT_DATE_CANCELLED,
    "review_requested": AuditAction.EVENT_REVIEW_REQUESTED,
    "approved": AuditAction.EVENT_APPROVED,
    "sent_back": AuditAction.EVENT_SENT_BACK,
}


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    action: AuditAction,
    *,
    actor: User | None,
    subject_type: AuditSubject,
    subject_id: int | None,
    label: str,
    summary: str = "",
) -> AuditEntry:
    """Add an entry to the caller's transaction (it commits with the change, or not at all).

    ``actor`` None means the command line. ``label`` names the subject (an event's title,
    an account's name) and ``summary`` what changed: field names, never values of personal
    data, and never e-mails, tokens, IPs or anything about attendees.
    """
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=_fit(actor.display_name, ACTOR_NAME_MAX) if actor is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        label=_fit(label, LABEL_MAX),
        summary=_fit(summary, SUMMARY_MAX),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def fields_summary(fields: Iterable[str]) -> str:
    """Changed field names as a summary: "title, starts_at"."""
    return ", ".join(sorted(fields))


def record_event_change(
    event: Event,
    *,
    editor: User,
    change: str,
    fields: tuple[str, ...] = (),
    occurs_on: object = None,
) -> None:
    """The receiver of ``event_changed_by``: one entry per change of an event."""
    summary = fields_summary(fields)
    if occurs_on is not None:
        summary = str(occurs_on)
    record(
        _EVENT_ACTIONS[change],
        actor=editor,
        subject_type=AuditSubject.EVENT,
        subject_id=event.id,
        label=event.title,
        summary=summary,
    )
