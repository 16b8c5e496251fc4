"""Every malformed RSVP or manage request gets a clear 4xx and writes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import clock
from app.events.services import cancel_event
from app.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_event, make_user
from tests.rsvp.pages import all_rsvps, post_manage, post_rsvp, rsvp, rsvp_count, rsvp_form


def _text(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    return text


BAD_PARTY_SIZES = ["0", "6", "-1", "1.5", "NaN", "inf", "1e3", str(10**20), "", " ", "٢"]


@pytest.mark.parametrize("size", BAD_PARTY_SIZES)
def test_bad_party_size_is_refused(client: FlaskClient, size: str) -> None:
    event = make_event()
    response = post_rsvp(client, event, display_name="Kept as typed", party_size=size)
    assert response.status_code == 422
    page = _text(response)
    assert "Choose how many people come: 1 to 5." in page
    assert 'value="Kept as typed"' in page
    assert rsvp_count() == 0


def test_missing_party_size_is_refused(client: FlaskClient) -> None:
    response = post_rsvp(client, make_event(), party_size=None)
    assert response.status_code == 422
    assert rsvp_count() == 0


BAD_FIELDS: list[tuple[dict[str, str], str]] = [
    ({"display_name": "x" * 41}, "Use at most 40 characters."),
    ({"display_name": "Sara\x00"}, "NUL character"),
    ({"display_name": "Sara \u202egnp.exe"}, "direction-override"),
    ({"display_name": "Line one\r\nLine two"}, "control characters"),
    ({"notify": "y", "email": "not-an-address"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "name@example"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "a b@example.org"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "a@b@example.org"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "a@example.org, b@example.org"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": '"Name" <a@example.org>'}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "نام@example.org"}, "Enter an e-mail address such as"),
    ({"notify": "y", "email": "x" * 250 + "@example.org"}, "This e-mail address is too long."),
    (
        {"notify": "y", "email": "x@example.org\r\nBcc: victim@example.org"},
        "control characters",
    ),
    ({"notify": "y", "email": "x@example.org\nBcc: victim@example.org"}, "control characters"),
    ({"notify": "y", "email": ""}, "Enter the e-mail address for the notices, or untick"),
    ({"email": "someone@example.org"}, "did not tick the box above"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_FIELDS)
def test_bad_field_is_refused_with_its_message(
    client: FlaskClient, fields: dict[str, str], message: str
) -> None:
    response = post_rsvp(client, make_event(), **fields)
    assert response.status_code == 422
    page = _text(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert rsvp_count() == 0


def test_text_that_must_work_is_stored_exactly(client: FlaskClient) -> None:
    name = "مریم‌ 🕯️✊🏽"  # ZWNJ, variation selector and skin-tone modifier
    rsvp(client, make_event(), display_name=name, party_size="5")
    assert all_rsvps()[0].display_name == name


def test_forty_characters_are_accepted(client: FlaskClient) -> None:
    rsvp(client, make_event(), display_name="ب" * 40)
    assert all_rsvps()[0].display_name == "ب" * 40


def test_missing_csrf_token_is_refused(client: FlaskClient) -> None:
    event = make_event()
    response = client.post(f"/events/{event.slug}/rsvp", data=rsvp_form())
    assert response.status_code == 400
    assert "Your RSVP is not recorded yet." in _text(response)
    assert rsvp_count() == 0


def test_csrf_token_of_another_session_is_refused(app: Any, client: FlaskClient) -> None:
    event = make_event()
    foreign = csrf_token(app.test_client(), f"/events/{event.slug}")
    client.get(f"/events/{event.slug}")
    response = client.post(
        f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": foreign}
    )
    assert response.status_code == 400
    assert "Your RSVP is not recorded yet." in _text(response)
    assert rsvp_count() == 0


# --- events that take no RSVP ----------------------------------------------------------------


def test_rsvp_after_the_start_is_refused(client: FlaskClient) -> None:
    event = make_event()
    token = csrf_token(client, f"/events/{event.slug}")
    clock.freeze(datetime(2026, 12, 5, 14, 0, tzinfo=UTC))  # 15:00 in Berlin: the start
    response = client.post(f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": token})
    assert response.status_code == 409
    assert "RSVPs closed when this event started." in _text(response)
    assert rsvp_count() == 0


def test_rsvp_to_a_cancelled_event_is_refused(client: FlaskClient) -> None:
    event = make_event()
    token = csrf_token(client, f"/events/{event.slug}")
    cancel_event(event, reason="", editor=event.organizer)
    db.session.commit()
    response = client.post(f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": token})
    assert response.status_code == 409
    assert "This event is cancelled, so it takes no RSVPs." in _text(response)
    assert rsvp_count() == 0


def test_rsvp_to_a_draft_is_refused(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer, publish=False)
    token = csrf_token(client, "/auth/login")
    url = f"/events/{event.slug}/rsvp"
    # Anonymous: the draft does not exist for them.
    assert client.post(url, data={**rsvp_form(), "csrf_token": token}).status_code == 404
    # Its organizer sees the preview, and is told why RSVPs are closed.
    login(client, organizer.email, PASSWORD)
    response = client.post(url, data={**rsvp_form(), "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 409
    assert "not published yet" in _text(response)
    assert rsvp_count() == 0


def test_rsvp_to_an_unknown_event_is_404(client: FlaskClient) -> None:
    token = csrf_token(client, "/auth/login")
    for slug in ("nothing-here", "x" * 500):
        response = client.post(f"/events/{slug}/rsvp", data={**rsvp_form(), "csrf_token": token})
        assert response.status_code == 404
    assert rsvp_count() == 0


# --- codes --------------------------------------------------------------------------------

BAD_CODES = [
    "A" * 43,  # well-formed, unknown
    "abc",  # too short
    "A" * 200,  # too long
    "ä" * 43,  # not ASCII
    "A" * 42 + "\x00",
    "../../etc/passwd",
    "' OR 1=1 --",
]


def _main(response: Any) -> str:
    return _text(response).split('<main id="main"')[1].split("</main>")[0]


@pytest.mark.parametrize("path", ["/rsvp/manage", "/rsvp/manage/party-size", "/rsvp/manage/cancel"])
def test_unknown_and_malformed_codes_get_one_neutral_answer(client: FlaskClient, path: str) -> None:
    event = make_event()
    real = rsvp(client, event, party_size="2")
    bodies = set()
    for code in [*BAD_CODES, real[:-1], real + "A", real.upper()]:
        response = post_manage(client, path, token=code, party_size="3")
        assert response.status_code == 404, code
        bodies.add(_main(response))
    assert len(bodies) == 1
    assert "No RSVP matches this code." in bodies.pop()
    [row] = all_rsvps()
    assert row.party_size == 2


def test_empty_code_asks_for_one(client: FlaskClient) -> None:
    for code in ("", "   "):
        response = post_manage(client, "/rsvp/manage", token=code)
        assert response.status_code == 422
        assert "Paste your private code." in _text(response)


@pytest.mark.parametrize("size", BAD_PARTY_SIZES)
def test_bad_new_party_size_is_refused(client: FlaskClient, size: str) -> None:
    token = rsvp(client, make_event(), party_size="2")
    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size=size)
    assert response.status_code == 422
    assert "Choose how many people come: 1 to 5." in _text(response)
    assert all_rsvps()[0].party_size == 2


@pytest.mark.parametrize("path", ["/rsvp/manage", "/rsvp/manage/party-size", "/rsvp/manage/cancel"])
def test_manage_posts_without_csrf_are_refused(client: FlaskClient, path: str) -> None:
    token = rsvp(client, make_event(), party_size="2")
    response = client.post(path, data={"token": token, "party_size": "3"})
    assert response.status_code == 400
    assert token not in _text(response)
    [row] = all_rsvps()
    assert row.party_size == 2


def test_manage_answers_never_echo_a_bad_code(client: FlaskClient) -> None:
    response = post_manage(client, "/rsvp/manage", token="canary-code-" + "Z" * 40)
    assert "canary-code" not in _text(response)
    assert not re.search("Z{40}", _text(response))
