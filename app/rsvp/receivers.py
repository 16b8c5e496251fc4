"""What RSVPs do when an event changes: receivers of app.events.signals.

They run inside the transaction that changes the event and only flush, so the
change, its outbox messages and its promotions commit together or not at all;
app.rsvp.notices mails the messages once that transaction has committed. Each
returns how many notices it queued, so the organizer learns how many people were told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.events.signals import (
    date_cancelled,
    event_cancelled,
    event_capacity_raised,
    event_reinstated,
    event_rescheduled,
)
from app.models import Event
from app.rsvp import notices, services


def _queued_by(action: Callable[[], object]) -> int:
    """How many notices ``action`` queued, directly or through promotions it made."""
    before = notices.queued_count()
    action()
    return notices.queued_count() - before


def _follow_and_tell(event: Event) -> int:
    # The events service holds the event's row lock: moves and promotions count exactly.
    def follow() -> None:
        services.follow_new_dates(event)
        notices.queue_event_changed(event)

    return _queued_by(follow)


def _tell_date_cancelled(event: Event, *, occurs_on: date, reason: str | None) -> int:
    return notices.queue_date_cancelled(event, occurs_on, reason)


def _tell_cancelled(event: Event) -> int:
    return notices.queue_event_cancelled(event)


def _tell_reinstated(event: Event) -> int:
    # Nobody moved up while it was cancelled (app.rsvp.services): whoever fits into the
    # places left then moves up now and is told so, besides that it takes place after all.
    def promote_and_tell() -> None:
        services.promote_every_date(event)
        notices.queue_event_reinstated(event)

    return _queued_by(promote_and_tell)


def _promote_waitlist(event: Event) -> int:
    # The events service holds the event's row lock: the count below is exact.
    return _queued_by(lambda: services.promote_every_date(event))


def connect() -> None:
    """Connect the receivers; connecting again (one app per test) changes nothing."""
    event_rescheduled.connect(_follow_and_tell)
    event_cancelled.connect(_tell_cancelled)
    event_reinstated.connect(_tell_reinstated)
    date_cancelled.connect(_tell_date_cancelled)
    event_capacity_raised.connect(_promote_waitlist)
