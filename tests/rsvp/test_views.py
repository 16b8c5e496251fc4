"""RSVP flows through the pages: say yes, see the link once, manage it with the code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event
from app.models.rsvp import RsvpStatus
from app.rsvp import views as rsvp_views
from app.rsvp.services import cancel_rsvps
from tests.conftest import csrf_token, login, sql_statements
from tests.events.forms import event_form, post_event
from tests.factories import PASSWORD, berlin_embassy, make_event, make_rsvp, make_user
from tests.rsvp.pages import all_rsvps, post_manage, post_rsvp, rsvp, rsvp_count, rsvp_form


def _text(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    return text


# --- the form on the event page ----------------------------------------------------------


def test_event_page_has_the_rsvp_form_with_notices_unticked(client: FlaskClient) -> None:
    event = make_event()
    page = _text(client.get(f"/events/{event.slug}"))
    assert f'action="/events/{event.slug}/rsvp"' in page
    for field in ("display_name", "party_size", "notify", "email"):
        assert f'<label for="{field}"' in page, field
    assert "Leave empty to stay anonymous" in page
    assert "E-mail me if this event changes or is cancelled" in page
    notify = re.search(r"<input[^>]*id=\"notify\"[^>]*>", page)
    assert notify is not None
    assert "checked" not in notify.group(0)
    options = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert options == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize(
    ("state", "sentence"),
    [
        ("cancelled", "This event is cancelled, so it takes no RSVPs."),
        ("started", "RSVPs closed when this event started."),
    ],
)
def test_closed_events_say_why_and_show_no_form(
    client: FlaskClient, state: str, sentence: str
) -> None:
    event = make_event()
    if state == "cancelled":
        cancel_event(event, reason="", editor=event.organizer)
        db.session.commit()
    else:
        clock.freeze(datetime(2026, 12, 5, 14, 30, tzinfo=UTC))  # 15:30 in Berlin
    page = _text(client.get(f"/events/{event.slug}"))
    assert sentence in page
    assert "/rsvp" not in page


def test_draft_preview_says_rsvps_open_on_publishing(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer, publish=False)
    login(client, organizer.email, PASSWORD)
    page = _text(client.get(f"/events/{event.slug}"))
    assert "This event is not published yet, so it takes no RSVPs." in page
    assert f"/events/{event.slug}/rsvp" not in page


# --- RSVP and the one-time link -----------------------------------------------------------


def test_rsvp_redirects_to_a_confirmation_that_shows_the_link_once(client: FlaskClient) -> None:
    event = make_event()
    response = post_rsvp(client, event, display_name="Sara", party_size="2")
    assert response.status_code == 303
    assert response.headers["Location"] == "/rsvp/done"

    page = _text(client.get("/rsvp/done"))
    assert "You are on the list" in page
    token = re.search(r"/rsvp/manage#([A-Za-z0-9_-]{43,})", page)
    assert token is not None
    assert page.count(token.group(1)) == 2  # the link's address and its text
    assert "Save this link now" in page

    again = _text(client.get("/rsvp/done"))
    assert token.group(1) not in again
    assert "/rsvp/manage#" not in again
    assert "Your private link was shown once" in again

    [row] = all_rsvps()
    assert (row.display_name, row.party_size, row.status) == ("Sara", 2, RsvpStatus.GOING)
    assert row.email is None
    assert row.created_on.isoformat() == "2026-11-25"


def test_an_rsvp_reads_its_event_only_under_the_lock(client: FlaskClient) -> None:
    # The hot path of an RSVP rush (bench/rsvp.py): one locking read of the event row,
    # one read of its date (capacity is per date), then one INSERT that counts the people
    # going on that date, chooses the status and writes.
    event = make_event(capacity=10)
    url = f"/events/{event.slug}/rsvp"
    token = csrf_token(client, f"/events/{event.slug}")
    with sql_statements() as statements:
        response = client.post(url, data={**rsvp_form(party_size="2"), "csrf_token": token})
    assert response.status_code == 303
    lock, day, write = [sql for sql in statements if not sql.startswith("BEGIN")]  # SQLite's
    assert lock.startswith("SELECT events.id, events.status, events.capacity")
    assert day.startswith("SELECT occurrences.occurs_on, occurrences.starts_at")
    if db.engine.dialect.name == "postgresql":
        assert lock.endswith("FOR UPDATE")
    assert write.startswith("INSERT INTO rsvps")
    assert all_rsvps()[0].status == RsvpStatus.GOING


def test_the_code_is_in_the_session_only_until_the_confirmation(client: FlaskClient) -> None:
    event = make_event()
    post_rsvp(client, event)
    with client.session_transaction() as session:
        token = session["rsvp_fresh_token"]
    assert len(token) >= 43
    client.get("/rsvp/done")
    with client.session_transaction() as session:
        assert token not in repr(dict(session))


def test_email_is_stored_only_with_the_box_ticked(client: FlaskClient) -> None:
    event = make_event()
    rsvp(client, event, notify="y", email="  Supporter@Example.ORG ")
    rsvp(client, event)
    assert [row.email for row in all_rsvps()] == ["supporter@example.org", None]


@pytest.mark.parametrize("app_overrides", [{"MAIL_CONSOLE": True}])  # mail printed, so sent
def test_confirmation_says_the_link_is_mailed_too(client: FlaskClient) -> None:
    event = make_event()
    response = post_rsvp(client, event, notify="y", email="supporter@example.org")
    page = _text(client.get(response.headers["Location"]))
    assert "We also sent it to the e-mail address you gave." in page
    assert "notices about this event start only once you do" in page
    assert "supporter@example.org" not in page


def test_confirmation_says_when_the_mail_could_not_be_sent(client: FlaskClient) -> None:
    # No mail server and no console: the link cannot be mailed, and the page says so.
    event = make_event()
    response = post_rsvp(client, event, notify="y", email="supporter@example.org")
    page = _text(client.get(response.headers["Location"]))
    assert "We could not send the message to the address you gave just now." in page
    assert "We also sent it" not in page


# Three RSVPs from one client to one event: more than the per-event limit lets through.
@pytest.mark.parametrize("app_overrides", [{"RSVP_EVENT_RATE_LIMIT": "5 per day"}])
def test_waitlisted_rsvps_see_their_place_in_line(client: FlaskClient) -> None:
    event = make_event(capacity=3)
    first = post_rsvp(client, event, party_size="3")
    assert "You are on the list" in _text(client.get(first.headers["Location"]))
    for place in (1, 2):
        response = post_rsvp(client, event, party_size="1")
        page = _text(client.get(response.headers["Location"]))
        assert "You are on the waiting list" in page
        assert f"number {place} in line" in page
    assert [row.status for row in all_rsvps()] == ["going", "waitlisted", "waitlisted"]


# --- counts on the public page ------------------------------------------------------------


def test_public_page_shows_the_number_going(client: FlaskClient) -> None:
    event = make_event(capacity=10)
    assert "No one has said they are going yet." in _text(client.get(f"/events/{event.slug}"))
    for size in (1, 2):
        make_rsvp(event, display_name="Canary", party_size=size)
    page = _text(client.get(f"/events/{event.slug}"))
    assert "3 people are going." in page
    assert "7 places left." in page
    assert "Canary" not in page


def test_full_event_says_new_rsvps_wait(client: FlaskClient) -> None:
    event = make_event(capacity=2)
    make_rsvp(event, party_size=2)
    page = _text(client.get(f"/events/{event.slug}"))
    assert "2 people are going." in page
    assert "This event is full; new RSVPs join the waiting list." in page
    assert f"/events/{event.slug}/rsvp" in page  # still open: for the waiting list


def test_hidden_count_is_not_shown(client: FlaskClient) -> None:
    event = make_event(capacity=8, hide_count=True)
    for _n in range(3):
        make_rsvp(event, party_size=4)
    page = _text(client.get(f"/events/{event.slug}"))
    assert 'class="count"' not in page
    assert "are going" not in page
    assert "left." not in page
    assert "8 people" not in page
    # Being full is still said: people must know they would wait.
    assert "This event is full" in page


def test_organizer_can_hide_the_count_in_the_event_form(client: FlaskClient) -> None:
    organizer = make_user()
    venue = berlin_embassy()
    login(client, organizer.email, PASSWORD)
    response = post_event(client, "/organize/events/new", event_form(venue, hide_count="y"))
    assert response.status_code == 303
    db.session.rollback()
    event = db.session.query(Event).one()
    assert event.hide_count is True
    page = _text(client.get(f"/organize/events/{event.id}/edit"))
    checkbox = re.search(r"<input[^>]*id=\"hide_count\"[^>]*>", page)
    assert checkbox is not None
    assert "checked" in checkbox.group(0)
    response = post_event(client, f"/organize/events/{event.id}/edit", event_form(venue))
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Event, event.id).hide_count is False  # type: ignore[union-attr]


# --- managing with the code ---------------------------------------------------------------


def test_manage_page_asks_for_the_code_filled_from_the_fragment(client: FlaskClient) -> None:
    page = _text(client.get("/rsvp/manage"))
    field = re.search(r"<input[^>]*name=\"token\"[^>]*>", page)
    assert field is not None
    assert "data-fragment-token" in field.group(0)
    assert '<label for="token">Your private code</label>' in page
    assert "js/fragment-token.js" in page


def test_manage_shows_the_rsvp_and_changes_the_party_size(client: FlaskClient) -> None:
    event = make_event()
    token = rsvp(client, event, display_name="Nasrin", party_size="1")
    response = post_manage(client, "/rsvp/manage", token=token)
    assert response.status_code == 200
    page = _text(response)
    assert event.title in page
    assert "Nasrin" in page
    assert "Going" in page
    # Every action carries the code back in a hidden field.
    assert page.count(f'name="token" type="hidden" value="{token}"') == 2

    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size="4")
    assert response.status_code == 200
    assert "The number of people is now 4." in _text(response)
    [row] = all_rsvps()
    assert row.party_size == 4


def test_a_bigger_party_moves_to_the_waiting_list_when_full(client: FlaskClient) -> None:
    event = make_event(capacity=3)
    token = rsvp(client, event, party_size="2")
    make_rsvp(event, party_size=1)
    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size="3")
    assert response.status_code == 200
    assert "number 1 in line" in _text(response)
    assert [row.status for row in all_rsvps()] == ["waitlisted", "going"]


def test_cancel_deletes_the_row_and_promotes_the_waiting(client: FlaskClient) -> None:
    event = make_event(capacity=2)
    token = rsvp(client, event, party_size="2", display_name="First")
    rsvp(client, event, party_size="2", display_name="Second")
    assert [row.status for row in all_rsvps()] == ["going", "waitlisted"]

    response = post_manage(client, "/rsvp/manage/cancel", token=token)
    assert response.status_code == 303
    assert response.headers["Location"] == "/rsvp/cancelled"
    assert "Your RSVP is cancelled" in _text(client.get("/rsvp/cancelled"))
    [row] = all_rsvps()
    assert (row.display_name, row.status) == ("Second", "going")

    # The code is dead: the same neutral answer as for any unknown code.
    assert post_manage(client, "/rsvp/manage", token=token).status_code == 404


def test_after_the_start_the_rsvp_can_be_cancelled_but_not_changed(client: FlaskClient) -> None:
    event = make_event()
    token = rsvp(client, event, party_size="2")
    clock.freeze(datetime(2026, 12, 5, 14, 30, tzinfo=UTC))
    page = _text(post_manage(client, "/rsvp/manage", token=token))
    assert "RSVPs closed when this event started." in page
    assert "/rsvp/manage/party-size" not in page
    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size="3")
    assert response.status_code == 409
    assert "RSVPs closed when this event started." in _text(response)
    assert all_rsvps()[0].party_size == 2
    assert post_manage(client, "/rsvp/manage/cancel", token=token).status_code == 303
    assert rsvp_count() == 0


def test_an_rsvp_cancelled_while_its_change_is_on_the_way_is_not_found(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cancelled from another tab between reading the code and taking the event's lock:
    # the neutral page for a dead code, not "This event is not published yet".
    event = make_event()
    token = rsvp(client, event, party_size="2")
    change_party_size = rsvp_views.change_party_size

    def cancelled_meanwhile(token: str, party_size: int) -> Any:
        cancel_rsvps(token)
        return change_party_size(token, party_size)

    monkeypatch.setattr(rsvp_views, "change_party_size", cancelled_meanwhile)
    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size="3")
    assert response.status_code == 404
    assert "No RSVP found" in _text(response)
    assert "not published" not in _text(response)


def test_tokens_in_the_address_are_refused(client: FlaskClient) -> None:
    event = make_event()
    token = rsvp(client, event)
    response = client.get(f"/rsvp/manage?token={token}")
    assert response.status_code == 400
    main = _text(response).split('<main id="main"')[1].split("</main>")[0]
    assert "never from the address" in main
    assert token not in main
    response = post_manage(client, f"/rsvp/manage?token={token}", token=token)
    assert response.status_code == 400


def test_rsvp_and_manage_pages_are_not_stored_by_caches(client: FlaskClient) -> None:
    event = make_event()
    response = post_rsvp(client, event)
    assert response.headers["Cache-Control"] == "no-store"
    done = client.get("/rsvp/done")
    assert done.headers["Cache-Control"] == "no-store"
    token = MANAGE_TOKEN.search(_text(done))
    assert token is not None
    for response in (
        client.get("/rsvp/manage"),
        post_manage(client, "/rsvp/manage", token=token.group(1)),
        post_manage(client, "/rsvp/manage", token="x" * 43),
    ):
        assert response.headers["Cache-Control"] == "no-store"


MANAGE_TOKEN = re.compile(r"/rsvp/manage#([A-Za-z0-9_-]+)")


# --- rate limits --------------------------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"RSVP_RATE_LIMIT": "2 per minute"}])
def test_too_many_rsvps_get_a_readable_429(app: Flask, client: FlaskClient) -> None:
    event = make_event()
    # A form sent back for correction does not count against the limit.
    assert post_rsvp(client, event, party_size="9").status_code == 422
    assert [post_rsvp(client, event).status_code for _n in range(2)] == [303, 303]
    response = post_rsvp(client, event)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in _text(response)
    assert rsvp_count() == 2


@pytest.mark.parametrize("app_overrides", [{"MANAGE_RATE_LIMIT": "3 per minute"}])
def test_manage_attempts_share_one_limit(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/rsvp/manage")
    statuses = [
        client.post(path, data={"token": "x" * 43, "csrf_token": token}).status_code
        for path in (
            "/rsvp/manage",
            "/rsvp/manage/party-size",
            "/rsvp/manage/cancel",
            "/rsvp/manage",
            "/rsvp/manage/cancel",
        )
    ]
    assert statuses == [404, 404, 404, 429, 429]
    response = client.post("/rsvp/manage", data={"token": "x" * 43, "csrf_token": token})
    assert response.headers.get("Retry-After")
    assert client.get("/rsvp/manage").status_code == 200  # only POSTs count


def test_rsvp_remembers_the_page_language_for_later_notices(client: FlaskClient) -> None:
    event = make_event()
    client.set_cookie("lang", "fa")
    token = csrf_token(client, f"/events/{event.slug}")
    response = client.post(
        f"/events/{event.slug}/rsvp", data={"csrf_token": token, "party_size": "1"}
    )
    assert response.status_code == 303
    assert [r.locale for r in all_rsvps()] == ["fa"]
