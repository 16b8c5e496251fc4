"""Attendee data is reached only from app/rsvp: no path to it from an event, venue or user.

design/security.md §1.3: feed and map code works with events; an event object
must not lead it to the people who RSVPed.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from app.events.services import cancel_event
from app.extensions import db
from app.httpcache import current_generation
from app.models import Event, User, Venue
from app.models.rsvp import OutboxMessage, Rsvp
from app.rsvp.services import change_party_size
from tests.factories import make_event, make_rsvp


@pytest.mark.parametrize("model", [Event, Venue, User])
def test_no_relationship_leads_to_attendee_data(model: type) -> None:
    targets = {relationship.mapper.class_ for relationship in inspect(model).relationships}
    assert targets.isdisjoint({Rsvp, OutboxMessage})


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_deleting_an_event_deletes_its_rsvps_and_notices(app: Flask) -> None:
    event = make_event()
    kept = make_event(event.venue)
    make_rsvp(event, email="going@example.org")
    make_rsvp(kept, email="other@example.org")
    with app.test_request_context("/"):
        cancel_event(event, reason="", editor=event.organizer)  # queues one notice
    db.session.commit()
    assert (_count(Rsvp), _count(OutboxMessage)) == (2, 1)

    db.session.delete(event)  # the database cascades: the ORM knows of no RSVPs
    db.session.commit()
    assert (_count(Rsvp), _count(OutboxMessage)) == (1, 0)
    assert db.session.scalars(select(Rsvp.event_id)).all() == [kept.id]


def test_rsvp_writes_leave_the_page_cache_alone(app: Flask) -> None:
    event = make_event(capacity=10)
    rsvp = make_rsvp(event)
    before = current_generation()
    change_party_size(rsvp.token, 2)  # an ORM write of the RSVP, committed
    assert current_generation() == before
    event.title = "A new title"
    db.session.commit()
    assert current_generation() != before
