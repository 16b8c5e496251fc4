"""What RSVPs do when an event changes: receivers of app.events.signals.

They run inside the transaction that changes the event and only flush, so the
change, its outbox messages and its promotions commit together or not at all;
app.rsvp.notices mails the messages once that transaction has committed.
"""

from __future__ import annotations

from datetime import date

from app.events.signals import (
    date_cancelled,
    event_cancelled,
    event_capacity_raised,
    event_rescheduled,
)
from app.models import Event
from app.rsvp import notices, services


def _follow_and_tell(event: Event) -> None:
    # The events service holds the event's row lock: moves and promotions count exactly.
    services.follow_new_dates(event)
    notices.queue_event_changed(event)


def _tell_date_cancelled(event: Event, *, occurs_on: date, reason: str | None) -> None:
    notices.queue_date_cancelled(event, occurs_on, reason)


def _tell_cancelled(event: Event) -> None:
    notices.queue_event_cancelled(event)


def _promote_waitlist(event: Event) -> None:
    # The events service holds the event's row lock: the count below is exact.
    services.promote_every_date(event)


def connect() -> None:
    """Connect the receivers; connecting again (one app per test) changes nothing."""
    event_rescheduled.connect(_follow_and_tell)
    event_cancelled.connect(_tell_cancelled)
    date_cancelled.connect(_tell_date_cancelled)
    event_capacity_raised.connect(_promote_waitlist)
