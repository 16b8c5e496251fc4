"""Bad input to the proposal form and the code pages: 4xx, nothing stored, nothing mailed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Proposal, ProposalStatus
from tests.conftest import DEFAULT_NOW, csrf_token
from tests.factories import make_place
from tests.proposals.helpers import form_data, hague_embassy, mailed_code, stamp
from tests.rsvp.smtp import SmtpSink
from tests.venues.picker import picker_options


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Proposal)) or 0


BAD_FIELDS: list[dict[str, str]] = [
    {"venue": ""},
    {"venue": "abc"},
    {"venue": "-1"},
    {"venue": "99999"},
    {"venue": "1' OR '1'='1"},
    {"starts_at": ""},
    {"starts_at": "2026-13-01T15:00"},
    {"starts_at": "2026-02-30T15:00"},
    {"starts_at": "10000-01-01T15:00"},
    {"starts_at": "tomorrow"},
    {"starts_at": "2026-12-12T15:00\x00"},
    {"ends_at": "2026-12-12T14:00"},
    {"ends_at": "2026-12-12T15:00"},
    {"ends_at": "2026-12-20T15:00"},  # longer than seven days
    {"starts_at": "2026-11-20T15:00", "ends_at": "2026-11-20T17:00"},  # past
    {"starts_at": "2030-12-12T15:00", "ends_at": "2030-12-12T17:00"},  # over three years
    # Amsterdam: 2027-03-28 02:30 does not exist, 2027-10-31 02:30 happens twice.
    {"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T04:00"},
    {"starts_at": "2027-10-31T01:00", "ends_at": "2027-10-31T02:30"},
    {"repeat": "weekly", "repeat_until": ""},
    {"repeat": "weekly", "repeat_until": "2026-12-01"},
    {"repeat": "weekly", "repeat_until": "2028-12-12"},
    {"repeat": "weekly", "repeat_until": "2026-13-45"},
    # A weekly series whose 2027-03-28 falls into the clock change.
    {
        "starts_at": "2027-03-14T02:30",
        "ends_at": "2027-03-14T03:30",
        "repeat": "weekly",
        "repeat_until": "2027-04-04",
    },
    {"repeat": "daily", "repeat_until": "2026-12-20", "ends_at": "2026-12-12T14:00"},
    {"host_name": ""},
    {"host_name": "   "},
    {"host_name": "x" * 81},
    {"host_name": "Shirin\x00"},
    {"host_name": "evil\u202egro.elpmaxe"},
    {"host_name": "two\nlines"},
    {"description": "x" * 1001},
    {"description": "bell\x07"},
    {"email": ""},
    {"email": "not-an-address"},
    {"email": "a@example.org, b@example.org"},
    {"email": "a@example.org\r\nBcc: victim@example.org"},
    {"email": "Name <a@example.org>"},
    {"email": "a" * 250 + "@example.org"},
]


@pytest.mark.parametrize("changes", BAD_FIELDS)
def test_bad_fields_are_refused(
    app: Flask, client: FlaskClient, smtp: SmtpSink, changes: dict[str, str]
) -> None:
    venue = hague_embassy()
    response = client.post("/campaign/host", data=form_data(client, venue, **changes))
    assert response.status_code == 422, changes
    assert _count() == 0
    assert smtp.received == []


def test_a_closed_mission_and_a_typed_address_are_not_offered(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    closed = hague_embassy(status="closed")
    place = make_place()
    page = client.get("/campaign/host").get_data(as_text=True)
    assert closed.name not in page
    assert place.name not in page
    for venue in (closed, place):
        response = client.post("/campaign/host", data=form_data(client, venue))
        assert response.status_code == 422
    assert _count() == 0


def test_venue_in_the_query_preselects_an_open_mission(app: Flask, client: FlaskClient) -> None:
    venue = hague_embassy()
    page = client.get(f"/campaign/host?venue={venue.id}").get_data(as_text=True)
    assert [o["value"] for o in picker_options(page) if "selected" in o] == [str(venue.id)]
    for bad in ("abc", "-1", "99999", "%00", "1%0A"):
        response = client.get(f"/campaign/host?venue={bad}")
        assert response.status_code == 200
        assert not [o for o in picker_options(response.get_data(as_text=True)) if "selected" in o]


@pytest.mark.parametrize(
    "changes",
    [
        {"website": "https://spam.example"},  # the hidden field
        {"started": "__fresh__"},  # sent right after it was shown
        {"started": ""},
        {"started": "MTIzNDU.forged"},
        {"started": "__old__"},  # shown over a day ago
    ],
)
def test_robots_are_refused_without_storing_or_mailing(
    app: Flask, client: FlaskClient, smtp: SmtpSink, changes: dict[str, str]
) -> None:
    venue = hague_embassy()
    if changes.get("started") == "__fresh__":
        changes = {"started": stamp(1)}
    elif changes.get("started") == "__old__":
        changes = {"started": stamp(2 * 86400)}
    response = client.post("/campaign/host", data=form_data(client, venue, **changes))
    assert response.status_code == 422
    assert "could not be accepted" in response.get_data(as_text=True)
    assert _count() == 0
    assert smtp.received == []


def test_missing_csrf_is_refused(app: Flask, client: FlaskClient, smtp: SmtpSink) -> None:
    venue = hague_embassy()
    data = form_data(client, venue)
    del data["csrf_token"]
    assert client.post("/campaign/host", data=data).status_code in {400, 422}
    assert client.post("/campaign/host/confirm", data={"code": "x" * 43}).status_code in {
        400,
        422,
    }
    assert _count() == 0


def test_confirmation_codes(app: Flask, client: FlaskClient, smtp: SmtpSink) -> None:
    venue = hague_embassy()
    assert client.post("/campaign/host", data=form_data(client, venue)).status_code == 303
    code = mailed_code(smtp, "confirm")
    token = csrf_token(client, "/campaign/host/confirm")
    url = "/campaign/host/confirm"
    for bad in ("", "x", code[:-1], code + "x", "A" * 43, "\x00" * 43, "ä" * 43, "A" * 5000):
        response = client.post(url, data={"csrf_token": token, "code": bad})
        assert response.status_code in {404, 422}, bad
    assert client.get(f"{url}?code={code}").status_code == 400
    # Expired after two days.
    clock.freeze(DEFAULT_NOW + timedelta(days=2, minutes=1))
    response = client.post(url, data={"csrf_token": token, "code": code})
    assert response.status_code == 404
    clock.freeze(DEFAULT_NOW)
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.status == ProposalStatus.UNCONFIRMED
    # A whole pasted link works.
    link = f"http://localhost/campaign/host/confirm#{code}"
    assert client.post(url, data={"csrf_token": token, "code": link}).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"PROPOSAL_RATE_LIMIT": "2 per hour"}])
def test_too_many_proposals_get_429(app: Flask, client: FlaskClient) -> None:
    venue = hague_embassy()
    # Refused forms do not count.
    bad = form_data(client, venue, email="nope")
    assert client.post("/campaign/host", data=bad).status_code == 422
    statuses = [
        client.post("/campaign/host", data=form_data(client, venue)).status_code for _ in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert _count() == 2


@pytest.mark.parametrize("app_overrides", [{"PROPOSAL_CONFIRM_RATE_LIMIT": "3 per hour"}])
def test_guessing_codes_gets_429(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/campaign/host/confirm")
    statuses = [
        client.post(path, data={"csrf_token": token, "code": "A" * 43}).status_code
        for path in ("/campaign/host/confirm", "/campaign/host/manage") * 2
    ]
    assert statuses == [404, 404, 404, 429]


def test_one_address_gets_a_limited_number_of_mails(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    app.config["UNCONFIRMED_MAIL_LIMIT"] = "2 per day"  # read when a mail is counted
    venue = hague_embassy()
    for _ in range(3):
        response = client.post("/campaign/host", data=form_data(client, venue))
        assert response.status_code == 303
    assert len(smtp.received) == 2
    page = client.get("/campaign/host/sent").get_data(as_text=True)
    assert "could not send the confirmation mail" in page
