"""What an event announces to the features built on it (STYLE.md, "Layout").

Events know nothing of RSVPs, notices or waiting lists; when a change matters to
them, app.events.services sends one of these signals with the Event as sender,
inside the transaction that makes the change, once the change is flushed.
Receivers are connected when the app is created (app.rsvp.init_app) and write
through the same ``db.session``: they flush, never commit, so the change and
whatever they add (outbox messages, promotions) commit together or not at all.
A receiver that raises aborts the change with it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

event_rescheduled = _signals.signal(
    "event-rescheduled",
    doc="The event's time, dates or place changed (its draft or published state may too).",
)
event_cancelled = _signals.signal(
    "event-cancelled",
    doc="The event was cancelled; ``event.cancel_reason`` holds the organizer's reason.",
)
event_capacity_raised = _signals.signal(
    "event-capacity-raised",
    doc="The event's capacity grew or was removed; the event's row lock is held.",
)
date_cancelled = _signals.signal(
    "date-cancelled",
    doc="One date of a series was cancelled (skipped); ``occurs_on`` is that local date and "
    "``reason`` the organizer's public reason or None. Only that date's RSVPs are concerned.",
)
