"""Events of new organizers wait for a reviewer before they are public.

An admin setting (``SiteSettings.review_new_organizers``, off by default). While it is
on, an organizer who is neither an admin nor trusted (``User.is_trusted``) publishes by
asking for review: the event stays a draft, marked with ``review_requested_at``, and
appears in the reviewers' queue beside supporters' proposals (app.proposals.review).
A reviewer publishes it, or sends it back with a note the organizer sees. Events that
were published once stay editable: the review is of an organizer's first events, until an
admin trusts the organizer (on /admin/organizers, or when approving one of their events).

Functions flush; the caller commits (STYLE.md rule 2).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import now_utc
from app.events.signals import event_changed_by
from app.extensions import db
from app.models import Event, EventStatus, SiteSettings, User
from app.models.settings import SETTINGS_ID


def site_settings() -> SiteSettings:
    """The settings row, or the defaults when no admin changed anything yet (not added)."""
    return db.session.get(SiteSettings, SETTINGS_ID) or SiteSettings(
        id=SETTINGS_ID, review_new_organizers=False
    )


def needs_review(user: User) -> bool:
    """Whether the account's "Publish" asks a reviewer instead of publishing."""
    if user.is_admin or user.is_trusted:
        return False
    return site_settings().review_new_organizers


def request_review(event: Event, *, editor: User) -> None:
    """Hold a draft for review (the caller saved it as a draft); a reviewer's old note goes."""
    event.review_requested_at = now_utc()
    event.review_note = None
    db.session.flush()
    event_changed_by.send(event, editor=editor, change="review_requested")


def withdraw_review(event: Event) -> None:
    """The organizer saved as a draft again: the request leaves the queue."""
    event.review_requested_at = None


def events_awaiting_review() -> list[Event]:
    """Drafts waiting for a reviewer, oldest request first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.status == EventStatus.DRAFT, Event.review_requested_at.is_not(None))
            .options(selectinload(Event.venue), selectinload(Event.organizer))
            .order_by(Event.review_requested_at, Event.id)
        )
    )


def approve_event(event: Event, *, reviewer: User) -> None:
    """Publish an event that waited for review."""
    event.status = EventStatus.PUBLISHED
    event.review_requested_at = None
    event.review_note = None
    event.sequence += 1
    event.updated_at = event.last_modified_at = now_utc()
    db.session.flush()
    event_changed_by.send(event, editor=reviewer, change="approved")


def send_back(event: Event, *, reviewer: User, note: str) -> None:
    """Return an event to its organizer as a draft, with the reviewer's note."""
    event.review_requested_at = None
    event.review_note = note
    db.session.flush()
    event_changed_by.send(event, editor=reviewer, change="sent_back")
