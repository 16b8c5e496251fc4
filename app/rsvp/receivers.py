"""What RSVPs do when an event changes: receivers of app.events.signals.

They run inside the transaction that changes the event and only flush, so the
change, its outbox messages and its promotions commit together or not at all;
app.rsvp.notices mails the messages once that transaction has committed.
"""

from __future__ import annotations

from app.events.signals import event_cancelled, event_capacity_raised, event_rescheduled
from app.models import Event
from app.rsvp import notices, services


def _tell_rescheduled(event: Event) -> None:
    notices.queue_event_changed(event)


def _tell_cancelled(event: Event) -> None:
    notices.queue_event_cancelled(event)


def _promote_waitlist(event: Event) -> None:
    # The events service holds the event's row lock: the count below is exact.
    services.promote_waitlist(event)


def connect() -> None:
    """Connect the receivers; connecting again (one app per test) changes nothing."""
    event_rescheduled.connect(_tell_rescheduled)
    event_cancelled.connect(_tell_cancelled)
    event_capacity_raised.connect(_promote_waitlist)
