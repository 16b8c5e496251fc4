"""Organizers remove an RSVP from their list: own events only, by a POST with CSRF.

Issue: one client filled an event with RSVPs and nobody could take them off.
Removing deletes the RSVP (and any e-mail) at once and moves the waiting list up
(the notices to those promoted are tested in test_notices.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Event, User
from app.models.rsvp import Rsvp, RsvpStatus
from app.rsvp.services import RsvpResult
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_event, make_rsvp, make_user


def _list_url(event: Event) -> str:
    return f"/organize/events/{event.id}/rsvps"


def _remove(client: FlaskClient, event: Event, rsvp_id: int, **data: Any) -> Any:
    token = csrf_token(client, "/organize/events/new")
    return client.post(
        f"/organize/events/{event.id}/rsvps/{rsvp_id}/remove", data={"csrf_token": token, **data}
    )


def _statuses(event: Event) -> dict[int, RsvpStatus]:
    db.session.rollback()  # a fresh snapshot of what the requests committed
    rows = db.session.execute(select(Rsvp.id, Rsvp.status).where(Rsvp.event_id == event.id))
    return {row.id: row.status for row in rows}


def _full_event(organizer: User) -> tuple[Event, list[RsvpResult]]:
    event = make_event(organizer=organizer, capacity=4)
    return event, [
        make_rsvp(event, display_name="Flood", party_size=4),
        make_rsvp(event, display_name="First in line", party_size=3),
        make_rsvp(event, display_name="Second in line", party_size=2),
    ]


def test_the_list_has_a_remove_button_per_row(client: FlaskClient) -> None:
    organizer = make_user()
    event, rsvps = _full_event(organizer)
    login(client, organizer.email, PASSWORD)
    page = client.get(_list_url(event)).get_data(as_text=True)
    for rsvp in rsvps:
        # The list of the event's one date: the button comes back to it (?on=).
        remove_url = f"/organize/events/{event.id}/rsvps/{rsvp.rsvp_id}/remove?on=2026-12-05"
        action = f'action="{remove_url}"'
        assert action in page
    assert page.count('name="csrf_token"') >= len(rsvps)


def test_removing_an_rsvp_moves_the_waiting_list_up(client: FlaskClient) -> None:
    organizer = make_user()
    event, (flood, first, second) = _full_event(organizer)
    login(client, organizer.email, PASSWORD)
    response = _remove(client, event, flood.rsvp_id)
    assert response.status_code == 303
    assert response.headers["Location"] == _list_url(event)
    # 3 people fit in 4 places; the next party of 2 does not, and keeps its place in line.
    assert _statuses(event) == {
        first.rsvp_id: RsvpStatus.GOING,
        second.rsvp_id: RsvpStatus.WAITLISTED,
    }
    page = client.get(_list_url(event)).get_data(as_text=True)
    # Nobody left an address: nobody is told.
    assert (
        "The RSVP was removed. 1 RSVP moved up from the waiting list. "
        "Nobody was notified by e-mail." in page
    )
    assert "Flood" not in page


def test_the_flash_says_how_many_were_told_by_mail(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer, capacity=2)
    flood = make_rsvp(event, party_size=2)
    make_rsvp(event, email="told@example.org")
    make_rsvp(event, email="unconfirmed@example.org", confirmed=False)
    login(client, organizer.email, PASSWORD)
    assert _remove(client, event, flood.rsvp_id).status_code == 303
    page = client.get(_list_url(event)).get_data(as_text=True)
    # Both moved up; only the confirmed address is mailed.
    assert (
        "The RSVP was removed. 2 RSVPs moved up from the waiting list. "
        "1 person was notified by e-mail." in page
    )


def test_removing_twice_says_it_is_gone(client: FlaskClient) -> None:
    organizer = make_user()
    event, (flood, *_rest) = _full_event(organizer)
    login(client, organizer.email, PASSWORD)
    assert _remove(client, event, flood.rsvp_id).status_code == 303
    response = _remove(client, event, flood.rsvp_id)
    assert response.status_code == 303
    assert "That RSVP is no longer on the list." in client.get(_list_url(event)).get_data(
        as_text=True
    )


def test_an_rsvp_of_another_event_cannot_be_removed_through_mine(client: FlaskClient) -> None:
    organizer = make_user()
    mine = make_event(organizer=organizer)
    theirs = make_event(venue=mine.venue)
    their_rsvp = make_rsvp(theirs)
    login(client, organizer.email, PASSWORD)
    response = _remove(client, mine, their_rsvp.rsvp_id)
    assert response.status_code == 303
    assert "That RSVP is no longer on the list." in client.get(_list_url(mine)).get_data(
        as_text=True
    )
    assert list(_statuses(theirs)) == [their_rsvp.rsvp_id]


def test_another_organizer_gets_404_and_nothing_is_removed(client: FlaskClient) -> None:
    event, (flood, *_rest) = _full_event(make_user())
    other = make_user()
    login(client, other.email, PASSWORD)
    token = csrf_token(client, "/organize/events/new")
    response = client.post(
        f"/organize/events/{event.id}/rsvps/{flood.rsvp_id}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert flood.rsvp_id in _statuses(event)


def test_removal_needs_the_csrf_token(client: FlaskClient) -> None:
    organizer = make_user()
    event, (flood, *_rest) = _full_event(organizer)
    login(client, organizer.email, PASSWORD)
    response = client.post(f"/organize/events/{event.id}/rsvps/{flood.rsvp_id}/remove")
    assert response.status_code == 400
    assert flood.rsvp_id in _statuses(event)


@pytest.mark.parametrize("state", ["started", "cancelled"])
def test_no_removal_once_the_event_takes_no_rsvps(client: FlaskClient, state: str) -> None:
    organizer = make_user()
    event, (flood, *_rest) = _full_event(organizer)
    if state == "started":
        clock.freeze(event.starts_at.replace(minute=1))
    login(client, organizer.email, PASSWORD)
    if state == "cancelled":
        token = csrf_token(client, f"/organize/events/{event.id}/cancel")
        cancelled = client.post(
            f"/organize/events/{event.id}/cancel", data={"csrf_token": token, "reason": ""}
        )
        assert cancelled.status_code == 303
    page = client.get(_list_url(event)).get_data(as_text=True)
    assert "RSVPs:" in page
    assert "/remove" not in page
    response = _remove(client, event, flood.rsvp_id)
    assert response.status_code == 303
    assert flood.rsvp_id in _statuses(event)
