"""What an event announces to the features built on it (STYLE.md, "Layout").

Events know nothing of RSVPs, notices or waiting lists; when a change matters to
them, app.events.services sends one of these signals with the Event as sender,
inside the transaction that makes the change, once the change is flushed.
Receivers are connected when the app is created (app.rsvp.init_app) and write
through the same ``db.session``: they flush, never commit, so the change and
whatever they add (outbox messages, promotions) commit together or not at all.
A receiver that raises aborts the change with it.

A receiver returns how many people it told (the notices it queued), or None; the
organizer's page after the change says how many were told (``send_counting``).
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()

event_rescheduled = _signals.signal(
    "event-rescheduled",
    doc="The event's time, dates or place changed (its draft or published state may too).",
)
event_cancelled = _signals.signal(
    "event-cancelled",
    doc="The event was cancelled; ``event.cancel_reason`` holds the organizer's reason.",
)
event_reinstated = _signals.signal(
    "event-reinstated",
    doc="A cancelled event takes place after all; it is published again.",
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

event_changed_by = _signals.signal(
    "event-changed-by",
    doc="An account created or changed the event (for a record of who did what, app.audit). "
    "``editor`` is the account; ``change`` one of created, updated, published, cancelled, "
    "reinstated, date_cancelled, review_requested, approved (by a reviewer), sent_back; "
    "``fields`` the names of the changed fields (updated); "
    "``occurs_on`` the local date (date_cancelled).",
)


def send_counting(signal: NamedSignal, event: object, **kwargs: Any) -> int:
    """Send ``signal`` about ``event``; returns how many people its receivers told.

    Receivers that tell nobody return None (or nothing); only whole numbers count.
    """
    results = signal.send(event, **kwargs)
    return sum(
        result
        for _receiver, result in results
        if isinstance(result, int) and not isinstance(result, bool)
    )
