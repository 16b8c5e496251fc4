"""RSVPs act on event signals inside the event's own transaction (app.events.signals).

The events package knows nothing of RSVPs: app.rsvp connects its receivers when
the app is created. A change and its notices commit together or not at all, and
only committed notices are mailed.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.events.services import cancel_event
from app.events.signals import event_cancelled
from app.extensions import db
from app.models import Event, EventStatus
from app.models.rsvp import OutboxMessage
from app.rsvp import init_app, notices
from tests.factories import make_event, make_rsvp, make_user, make_venue


@pytest.fixture
def console_mail(app: Flask) -> None:
    app.config["SMTP_HOST"] = None
    app.config["MAIL_CONSOLE"] = True  # "sent" means printed: no mail server needed


def _event_with_rsvp() -> Event:
    event = make_event(make_venue(), organizer=make_user())
    make_rsvp(event, email="going@example.org")  # confirmed by its owner
    return event


def _outbox_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_a_rolled_back_change_takes_its_notices_with_it(app: Flask, console_mail: None) -> None:
    event = _event_with_rsvp()
    with app.test_request_context("/"):
        cancel_event(event, reason="", editor=event.organizer)
        assert _outbox_count() == 1  # written in the cancelling transaction
        db.session.rollback()
        assert _outbox_count() == 0
        assert notices.deliver_queued().sent == 0
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED  # type: ignore[union-attr]


def test_only_committed_notices_are_mailed_and_only_once(
    app: Flask, console_mail: None, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _event_with_rsvp()
    with app.test_request_context("/"):
        cancel_event(event, reason="", editor=event.organizer)
        assert notices.deliver_queued().sent == 0  # not committed yet: nothing goes out
        db.session.commit()
        assert notices.deliver_queued().sent == 1
        assert notices.deliver_queued().sent == 0
    assert capsys.readouterr().out.count("To: going@example.org") == 1
    assert _outbox_count() == 0


def test_a_failing_receiver_stops_the_change(app: Flask) -> None:
    event = _event_with_rsvp()

    def refuse(sender: Event) -> None:
        raise RuntimeError("receiver failed")

    with event_cancelled.connected_to(refuse), pytest.raises(RuntimeError):
        cancel_event(event, reason="", editor=event.organizer)
    db.session.rollback()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED  # type: ignore[union-attr]
    assert _outbox_count() == 0


def test_setting_up_rsvps_again_queues_no_second_notice(app: Flask) -> None:
    init_app(app)  # another app, or the same one twice: receivers stay connected once
    event = _event_with_rsvp()
    cancel_event(event, reason="", editor=event.organizer)
    assert _outbox_count() == 1
    assert app.after_request_funcs[None].count(notices._deliver_after_request) == 1
