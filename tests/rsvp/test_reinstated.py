"""A cancelled event that takes place after all: its RSVPs are told by e-mail.

The real SMTP server in-process (tests/rsvp/conftest.py), as for the other notices.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.rsvp import notices
from app.rsvp.services import cancel_rsvps
from tests.conftest import signed_in
from tests.events.forms import post_event
from tests.factories import make_event, make_rsvp
from tests.rsvp.smtp import SUBJECT_CANCELLED, SmtpSink

SUBJECT_REINSTATED = "An event you planned to attend takes place after all"


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _cancel(client: FlaskClient, event: Event) -> None:
    url = f"/organize/events/{event.id}/cancel"
    assert post_event(client, url, {"reason": "The police banned it."}).status_code == 303


def test_reinstating_mails_everyone_who_left_an_address(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event(organizer=signed_in(client))
    make_rsvp(event, email="going@example.org")
    make_rsvp(event, email="fa@example.org", locale="fa")
    make_rsvp(event)  # no address
    make_rsvp(event, email="unconfirmed@example.org", confirmed=False)
    _cancel(client, event)
    assert len(smtp.received) == 2
    assert smtp.to("going@example.org")[0].message["Subject"] == SUBJECT_CANCELLED
    smtp.received.clear()

    response = post_event(client, f"/organize/events/{event.id}/reinstate", {})
    assert response.status_code == 303

    assert sorted(item.rcpt_tos[0] for item in smtp.received) == [
        "fa@example.org",
        "going@example.org",
    ]
    [english] = smtp.to("going@example.org")
    assert english.message["Subject"] == SUBJECT_REINSTATED
    assert english.message["From"] == "notices@vigil.example"
    body = english.body
    assert "It takes place after all, and your RSVP still stands." in body
    assert "Vigil for the prisoners" in body
    assert "Saturday, December 5, 2026, 15:00–17:00 CET" in body
    assert f"/events/{event.slug}" in body
    assert "The police banned it." not in body  # the reason is gone with the cancellation
    [persian] = smtp.to("fa@example.org")
    assert "Vigil for the prisoners" in persian.body
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []  # sent and deleted


def test_who_left_while_it_was_cancelled_is_not_mailed(client: FlaskClient, smtp: SmtpSink) -> None:
    event = make_event(organizer=signed_in(client))
    leaving = make_rsvp(event, email="left@example.org")
    make_rsvp(event, email="stays@example.org")
    _cancel(client, event)
    cancel_rsvps(leaving.token)  # deleted, with the address
    smtp.received.clear()

    response = post_event(client, f"/organize/events/{event.id}/reinstate", {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert [item.rcpt_tos for item in smtp.received] == [["stays@example.org"]]
    assert "1 person was notified by e-mail." in page
    db.session.rollback()
    assert db.session.scalars(select(Rsvp.status)).all() == [RsvpStatus.GOING]


def test_a_reinstated_notice_is_a_known_kind(client: FlaskClient) -> None:
    assert notices.subject_for(notices.NoticeKind.REINSTATED, "en") == SUBJECT_REINSTATED


def test_nobody_moves_up_while_cancelled_and_who_fits_moves_up_on_reinstating(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event(organizer=signed_in(client), capacity=1)
    leaving = make_rsvp(event, email="left@example.org")
    make_rsvp(event, email="waiting@example.org")
    _cancel(client, event)
    smtp.received.clear()

    assert cancel_rsvps(leaving.token) == []  # a place is free, but the event is off
    assert smtp.received == []
    db.session.rollback()
    assert db.session.scalars(select(Rsvp.status)).all() == [RsvpStatus.WAITLISTED]

    response = post_event(client, f"/organize/events/{event.id}/reinstate", {})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalars(select(Rsvp.status)).all() == [RsvpStatus.GOING]
    subjects = sorted(item.message["Subject"] for item in smtp.to("waiting@example.org"))
    assert SUBJECT_REINSTATED in subjects
    assert len(subjects) == 2  # and that a place became free for them
