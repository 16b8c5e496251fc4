"""Attendee data stays private: not on public pages or feeds, not in logs, not in URLs.

design/security.md T01 (public surfaces), T07/T08 (codes), T49 (logs).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models.rsvp import Rsvp
from tests.factories import make_event
from tests.rsvp.pages import MANAGE_LINK, all_rsvps, post_manage, post_rsvp

CANARY_NAME = "canary-nick-7f3a"
CANARY_EMAIL = "canary-7f3a@example.org"
CANARY_IP = "203.0.113.77"


def _text(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    return text


def _rsvp_with_canaries(client: FlaskClient, event: Any, **overrides: Any) -> str:
    """RSVP with the canary name and e-mail; returns the private code."""
    response = post_rsvp(
        client,
        event,
        display_name=CANARY_NAME,
        party_size="2",
        notify="y",
        email=CANARY_EMAIL,
        **overrides,
    )
    assert response.status_code == 303
    assert "rsvp_fresh" not in response.headers["Location"]
    match = MANAGE_LINK.search(_text(client.get(response.headers["Location"])))
    assert match is not None
    return match.group(1)


# Three RSVPs from one client to one event: more than the per-event limit lets through.
@pytest.mark.parametrize("app_overrides", [{"RSVP_EVENT_RATE_LIMIT": "5 per day"}])
@pytest.mark.parametrize("hide_count", [False, True])
def test_public_pages_and_feeds_carry_no_attendee_data(
    client: FlaskClient, hide_count: bool
) -> None:
    event = make_event(hide_count=hide_count)
    for _n in range(3):
        _rsvp_with_canaries(client, event)
    visitor = client.application.test_client()
    pages = {
        url: _text(visitor.get(url))
        for url in (
            "/",
            "/events",
            f"/events/{event.slug}",
            "/calendar.ics",
            f"/events/{event.slug}.ics",
        )
    }
    assert event.title in pages["/events"]
    assert "BEGIN:VEVENT" in pages["/calendar.ics"]
    for url, body in pages.items():
        assert CANARY_NAME not in body, url
        assert "canary-7f3a" not in body, url
        assert "ATTENDEE" not in body, url
    counted = "6 people are going." in pages[f"/events/{event.slug}"]
    assert counted is not hide_count


def test_the_code_is_stored_only_as_its_sha256(client: FlaskClient) -> None:
    token = _rsvp_with_canaries(client, make_event())
    assert len(token) >= 43  # 256 bits in base64url
    [row] = all_rsvps()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    values = db.session.execute(select(Rsvp.__table__)).one()
    assert all(token not in str(value) for value in values)


def test_rsvp_manage_and_cancel_leave_no_canary_in_logs(
    app: Flask, app_logs: pytest.LogCaptureFixture
) -> None:
    event = make_event(capacity=2)
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=CANARY_IP, HTTP_X_FORWARDED_FOR=CANARY_IP)
    token = _rsvp_with_canaries(client, event)
    waiting = _rsvp_with_canaries(client, event)  # waitlisted, promoted by the cancel below
    assert post_manage(client, "/rsvp/manage", token=token).status_code == 200
    assert (
        post_manage(client, "/rsvp/manage/party-size", token=token, party_size="1").status_code
        == 200
    )
    assert post_manage(client, "/rsvp/manage", token="A" * 43).status_code == 404
    assert post_manage(client, "/rsvp/manage/cancel", token=token).status_code == 303
    assert post_manage(client, "/rsvp/manage/cancel", token=waiting).status_code == 303
    assert all_rsvps() == []

    records = app_logs.records
    assert any(r.name.startswith("app.rsvp") for r in records), "nothing logged: proves nothing"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    canaries = (token, waiting, CANARY_NAME, CANARY_EMAIL, "canary-7f3a", CANARY_IP)
    leaks = [
        (record.name, canary)
        for record in records
        for canary in canaries
        if canary in formatter.format(record) or canary in repr(record.args)
    ]
    assert leaks == []
