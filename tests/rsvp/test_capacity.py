"""Waitlist promotion: who moves up when places free, in order, in the same transaction.

Issue 4: "when someone cancels or capacity is raised, the earliest waitlisted
RSVPs that fit are promoted in the same transaction and, if they gave an
e-mail, told."
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.events.services import EventInput, update_event
from app.extensions import db
from app.models import Event, Repeat, User
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.rsvp.services import (
    RsvpNotFoundError,
    RsvpResult,
    cancel_rsvps,
    change_party_size,
    create_rsvp,
    going_count,
)
from tests.conftest import signed_in
from tests.events.forms import event_form, post_event
from tests.factories import make_event, make_rsvp

GOING, WAITLISTED = RsvpStatus.GOING, RsvpStatus.WAITLISTED
# The only date of make_event's one-off event.
DAY = date(2026, 12, 5)


def _rsvp(event: Event, party_size: int = 1, email: str | None = None) -> RsvpResult:
    return make_rsvp(event, party_size=party_size, email=email)


def _statuses(*rsvps: RsvpResult) -> list[str]:
    db.session.rollback()  # a fresh snapshot
    return [db.session.get(Rsvp, rsvp.rsvp_id).status for rsvp in rsvps]  # type: ignore[union-attr]


def _going(event: Event) -> int:
    return going_count(event.id, DAY)


def _outbox() -> list[tuple[str, str]]:
    db.session.rollback()
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.recipient).order_by(OutboxMessage.id)
    )
    return [(kind, recipient) for kind, recipient in rows]


def _set_capacity(client: FlaskClient, event: Event, capacity: str) -> None:
    form = event_form(
        event.venue, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00", capacity=capacity
    )
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303


# --- new RSVPs ------------------------------------------------------------------------


def test_a_party_goes_if_it_fits_exactly_and_waits_if_one_too_many(app: Flask) -> None:
    event = make_event(capacity=5)
    four, three, one, another = _rsvp(event, 4), _rsvp(event, 3), _rsvp(event, 1), _rsvp(event, 1)
    # Waitlisted parties take no place: the 1 after the waiting 3 fills the fifth place.
    assert _statuses(four, three, one, another) == [GOING, WAITLISTED, GOING, WAITLISTED]
    assert _going(event) == 5


def test_without_a_capacity_everyone_goes(app: Flask) -> None:
    event = make_event()
    rsvp_ids = [_rsvp(event, 5) for _n in range(3)]
    assert _statuses(*rsvp_ids) == [GOING] * 3
    assert _going(event) == 15


def test_an_rsvp_finds_its_event_by_id_or_slug(app: Flask) -> None:
    event = make_event(capacity=2)
    by_slug = create_rsvp(event.slug, display_name=None, party_size=2, email=None)
    by_id = create_rsvp(event.id, display_name=None, party_size=1, email=None)
    assert (by_slug.event_id, by_slug.status) == (event.id, GOING)
    assert (by_id.event_id, by_id.status) == (event.id, WAITLISTED)


def test_an_unknown_event_takes_no_rsvp(app: Flask) -> None:
    for unknown in ("no-such-event", 2**31 - 1):
        with pytest.raises(RsvpNotFoundError):
            create_rsvp(unknown, display_name=None, party_size=1, email=None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 0


# --- cancelling and resizing -----------------------------------------------------------


def test_cancel_promotes_the_earliest_waitlisted_that_fit(app: Flask) -> None:
    event = make_event(capacity=3)
    a, b = _rsvp(event, 2), _rsvp(event, 1)
    c, d, e = _rsvp(event, 3), _rsvp(event, 2), _rsvp(event, 1)
    assert _statuses(a, b, c, d, e) == [GOING, GOING, WAITLISTED, WAITLISTED, WAITLISTED]

    with app.test_request_context("/"):
        promoted = cancel_rsvps(a.token)  # frees 2 places: C (3 people) does not fit, D (2) does
    assert [rsvp.id for rsvp in promoted] == [d.rsvp_id]
    assert _statuses(b, c, d, e) == [GOING, WAITLISTED, GOING, WAITLISTED]
    assert _going(event) == 3

    with app.test_request_context("/"):
        promoted = cancel_rsvps(b.token)  # frees 1: only E fits
    assert [rsvp.id for rsvp in promoted] == [e.rsvp_id]
    assert _statuses(c, d, e) == [WAITLISTED, GOING, GOING]
    assert db.session.get(Rsvp, a.rsvp_id) is None  # deleted, not flagged


def test_cancelling_a_waitlisted_rsvp_promotes_nobody(app: Flask) -> None:
    event = make_event(capacity=1)
    going, waiting, last = _rsvp(event), _rsvp(event), _rsvp(event)
    with app.test_request_context("/"):
        assert cancel_rsvps(waiting.token) == []
    assert _statuses(going, last) == [GOING, WAITLISTED]


def test_smaller_party_lets_the_next_move_up(app: Flask) -> None:
    event = make_event(capacity=3)
    big, waiting = _rsvp(event, 3), _rsvp(event, 2)
    with app.test_request_context("/"):
        promoted = change_party_size(big.token, 1)
    assert _statuses(big) == [GOING]
    assert [rsvp.id for rsvp in promoted] == [waiting.rsvp_id]
    assert _going(event) == 3


def test_larger_party_that_no_longer_fits_goes_to_the_waitlist(app: Flask) -> None:
    event = make_event(capacity=3)
    first, second = _rsvp(event, 1), _rsvp(event, 2)
    with app.test_request_context("/"):
        promoted = change_party_size(first.token, 3)
    assert promoted == []
    assert _statuses(first, second) == [WAITLISTED, GOING]
    assert _going(event) == 2


# --- capacity changed by the organizer -------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"MAIL_CONSOLE": True}])
def test_raised_capacity_promotes_in_order_and_tells_them(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    event = make_event(organizer=signed_in(client), capacity=1)
    going = _rsvp(event, 1, "going@example.org")
    first = _rsvp(event, 2, "first@example.org")
    second = _rsvp(event, 1)
    third = _rsvp(event, 1, "third@example.org")

    _set_capacity(client, event, "4")  # 3 new places: FIRST (2) and SECOND (1)
    assert _statuses(going, first, second, third) == [GOING, GOING, GOING, WAITLISTED]
    # Without SMTP_HOST, MAIL_CONSOLE prints the mails: only the promoted who left an address.
    printed = capsys.readouterr().out
    assert re.findall(r"^To: (.*)$", printed, re.MULTILINE) == ["first@example.org"]
    assert "Subject: A place became free" in printed
    assert _outbox() == []  # sent, so deleted


def test_removed_capacity_promotes_everyone(client: FlaskClient) -> None:
    event = make_event(organizer=signed_in(client), capacity=1)
    ids = [_rsvp(event, size) for size in (1, 5, 3, 1)]
    _set_capacity(client, event, "")
    assert _statuses(*ids) == [GOING] * 4


def test_lowered_capacity_moves_nobody(client: FlaskClient) -> None:
    event = make_event(organizer=signed_in(client), capacity=3)
    ids = [_rsvp(event, size) for size in (2, 1, 1)]
    _set_capacity(client, event, "2")
    # Those already going keep their place; new RSVPs wait until it frees up.
    assert _statuses(*ids) == [GOING, GOING, WAITLISTED]
    _set_capacity(client, event, "3")
    assert _statuses(*ids) == [GOING, GOING, WAITLISTED]  # 3 going already: nothing fits


def _input(event: Event, **changes: Any) -> EventInput:
    zone = event.zone
    data = EventInput(
        title=event.title,
        description=event.description,
        kind=event.kind,
        venue=event.venue,
        timezone=event.timezone,
        starts_local=event.starts_at.astimezone(zone).replace(tzinfo=None),
        ends_local=event.ends_at.astimezone(zone).replace(tzinfo=None),
        repeat=Repeat(event.repeat),
        repeat_until_on=event.repeat_until_on,
        skip_dates=frozenset(),
        capacity=event.capacity,
        contact_url=event.contact_url,
        publish=True,
    )
    return dataclasses.replace(data, **changes)


def test_capacity_raise_and_a_new_rsvp_never_overbook(app: Flask) -> None:
    """The edit holds the event's lock from its start to its commit; the RSVP waits."""
    event = make_event(capacity=1)
    event_id, organizer_id = event.id, event.organizer_id
    first, waiting = _rsvp(event), _rsvp(event)
    db.session.commit()
    edited, release = threading.Event(), threading.Event()

    def organizer() -> None:
        with app.test_request_context("/"):
            try:
                locked = db.session.get(Event, event_id)
                editor = db.session.get(User, organizer_id)
                assert locked is not None
                assert editor is not None
                update_event(locked, data=_input(locked, capacity=2), editor=editor)
                edited.set()
                release.wait(timeout=10)
                db.session.commit()
            finally:
                db.session.remove()

    def supporter() -> str:
        with app.app_context():
            try:
                return create_rsvp(event_id, display_name=None, party_size=1, email=None).status
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        edit = pool.submit(organizer)
        assert edited.wait(timeout=10)
        late = pool.submit(supporter)
        time.sleep(0.5)
        assert not late.done()  # blocked by the organizer's uncommitted edit
        release.set()
        edit.result(timeout=20)
        # It counts after the commit: the promoted RSVP holds the second place.
        assert late.result(timeout=20) == WAITLISTED

    assert _statuses(first, waiting) == [GOING, GOING]
    total = db.session.scalar(
        select(func.sum(Rsvp.party_size)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING
        )
    )
    assert total == 2
