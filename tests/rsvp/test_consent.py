"""E-mail only with its owner's consent: confirmation, the daily budget, lost links.

A real SMTP server (aiosmtpd) runs in-process; the tests read what arrived.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models.rsvp import Rsvp
from tests.conftest import DEFAULT_NOW, signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, make_event, make_rsvp
from tests.rsvp.pages import MANAGE_LINK, all_rsvps, post_manage, post_rsvp, rsvp
from tests.rsvp.smtp import SUBJECT_CHANGED, SUBJECT_MANAGE, SmtpSink

CONFIRM_LINK = re.compile(r"http://localhost/rsvp/confirm-email#([A-Za-z0-9_-]+)")
MAILED_MANAGE_LINK = re.compile(r"http://localhost/rsvp/manage#([A-Za-z0-9_-]+)")
SUBJECT_NEW_LINKS = "Your new private links to your RSVPs"


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return {
        **smtp.settings,
        # Room for the several RSVPs and requests of one test from one client.
        "RSVP_RATE_LIMIT": "100 per hour",
        "RSVP_EVENT_RATE_LIMIT": "100 per day",
    }


def _notify(address: str) -> dict[str, str]:
    return {"notify": "y", "email": address}


def _confirm(client: FlaskClient, code: str) -> Any:
    return post_manage(client, "/rsvp/confirm-email", code=code)


def _move_to_16h(client: FlaskClient, event: Any) -> None:
    form = event_form(event.venue, starts_at="2026-12-05T16:00", ends_at="2026-12-05T18:00")
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303


def test_first_mail_asks_to_confirm_and_notices_wait_for_it(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    rsvp(client, event, **_notify("me@example.org"))
    [first] = smtp.received
    assert first.message["Subject"] == SUBJECT_MANAGE
    [code] = CONFIRM_LINK.findall(first.body)
    assert MAILED_MANAGE_LINK.search(first.body)
    [stored] = all_rsvps()
    assert stored.email == "me@example.org"
    assert stored.email_confirmed is False

    _move_to_16h(client, event)  # a change: an unconfirmed address is not told
    assert len(smtp.received) == 1

    page = client.get("/rsvp/confirm-email")  # opening the link confirms nothing
    assert page.status_code == 200
    assert all_rsvps()[0].email_confirmed is False

    confirmed = _confirm(client, code)
    assert confirmed.status_code == 200
    assert "Address confirmed" in confirmed.get_data(as_text=True)
    assert all_rsvps()[0].email_confirmed is True

    form = event_form(event.venue, starts_at="2026-12-05T17:00", ends_at="2026-12-05T19:00")
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    assert [item.message["Subject"] for item in smtp.received[1:]] == [SUBJECT_CHANGED]
    assert smtp.received[1].rcpt_tos == ["me@example.org"]


def test_a_confirmation_code_works_once_and_unknown_codes_get_the_same_answer(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event()
    rsvp(client, event, **_notify("me@example.org"))
    [code] = CONFIRM_LINK.findall(smtp.received[0].body)
    assert _confirm(client, code).status_code == 200
    again = _confirm(client, code)
    unknown = _confirm(client, "x" * 43)
    assert again.status_code == unknown.status_code == 404
    assert "does not work" in again.get_data(as_text=True)
    for hostile in ["", "\x00" * 30, "é" * 40, "a" * 5000]:
        assert _confirm(client, hostile).status_code in (404, 422)
    assert client.get("/rsvp/confirm-email?code=" + code).status_code == 400


def test_a_pasted_whole_confirmation_link_works(client: FlaskClient, smtp: SmtpSink) -> None:
    event = make_event()
    rsvp(client, event, **_notify("me@example.org"))
    [link] = CONFIRM_LINK.finditer(smtp.received[0].body)
    assert _confirm(client, link.group(0)).status_code == 200
    assert all_rsvps()[0].email_confirmed is True


def test_an_address_gets_at_most_three_such_mails_a_day(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    venue = berlin_embassy()
    events = [make_event(venue, title=f"Vigil {n}") for n in range(4)]
    for event, address in zip(
        events[:3], ["me@example.org", "ME@example.org", "me@example.org"], strict=True
    ):
        rsvp(client, event, **_notify(address))
    assert len(smtp.received) == 3

    response = post_rsvp(client, events[3], **_notify("me@example.org"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We did not mail the address you gave" in page
    assert MANAGE_LINK.search(page)  # the RSVP itself is recorded
    assert len(smtp.received) == 3
    fourth = all_rsvps()[-1]
    assert fourth.event_id == events[3].id
    assert fourth.email is None  # not kept: it could never be confirmed

    # Another address is not affected.
    rsvp(client, events[3], **_notify("other@example.org"))
    assert len(smtp.received) == 4


def test_the_budget_is_per_day(client: FlaskClient, smtp: SmtpSink) -> None:
    venue = berlin_embassy()
    events = [make_event(venue, title=f"Vigil {n}") for n in range(4)]
    for event in events[:3]:
        rsvp(client, event, **_notify("me@example.org"))
    clock.freeze(DEFAULT_NOW + timedelta(days=1, hours=1))
    rsvp(client, events[3], **_notify("me@example.org"))
    assert len(smtp.received) == 4


def test_purge_deletes_unconfirmed_addresses_after_a_week(
    client: FlaskClient, runner: FlaskCliRunner, smtp: SmtpSink
) -> None:
    later = make_event()  # 2026-12-05, after the purges below
    unconfirmed = make_rsvp(later, email="typed@example.org", confirmed=False)
    confirmed = make_rsvp(later, email="owner@example.org")
    clock.freeze(DEFAULT_NOW + timedelta(days=6))
    assert runner.invoke(args=["rsvp", "purge"]).exit_code == 0
    assert {r.email for r in all_rsvps()} == {"typed@example.org", "owner@example.org"}

    clock.freeze(DEFAULT_NOW + timedelta(days=8))
    result = runner.invoke(args=["rsvp", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 e-mail addresses nobody confirmed" in result.output
    by_id = {r.id: r for r in all_rsvps()}
    assert by_id[unconfirmed.rsvp_id].email is None
    assert by_id[confirmed.rsvp_id].email == "owner@example.org"


def _lost(client: FlaskClient, address: str) -> Any:
    return post_manage(client, "/rsvp/lost", email=address)


def test_a_lost_link_is_replaced_by_mail_and_the_old_one_stops_working(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event()
    old = make_rsvp(event, email="me@example.org")
    response = _lost(client, "Me@Example.org")
    assert response.status_code == 200
    [item] = smtp.received
    assert item.message["Subject"] == SUBJECT_NEW_LINKS
    assert item.rcpt_tos == ["me@example.org"]
    [new_code] = MAILED_MANAGE_LINK.findall(item.body)
    assert event.title in item.body
    assert not CONFIRM_LINK.search(item.body)  # the address was confirmed already

    assert post_manage(client, "/rsvp/manage", token=old.token).status_code == 404
    shown = post_manage(client, "/rsvp/manage", token=new_code)
    assert shown.status_code == 200
    assert event.title in shown.get_data(as_text=True)


def test_a_lost_link_answers_the_same_without_any_rsvp(client: FlaskClient, smtp: SmtpSink) -> None:
    make_rsvp(make_event(), email="me@example.org")
    with_rsvp = _lost(client, "me@example.org")
    without = _lost(client, "nobody@example.org")
    assert with_rsvp.status_code == without.status_code == 200
    assert with_rsvp.get_data(as_text=True) == without.get_data(as_text=True)
    assert [item.rcpt_tos for item in smtp.received] == [["me@example.org"], ["nobody@example.org"]]
    assert "there are none" in smtp.received[1].body
    assert not MAILED_MANAGE_LINK.search(smtp.received[1].body)


def test_a_lost_link_for_an_unconfirmed_address_brings_a_new_confirmation(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    make_rsvp(make_event(), email="me@example.org", confirmed=False)
    assert _lost(client, "me@example.org").status_code == 200
    [code] = CONFIRM_LINK.findall(smtp.received[0].body)
    assert _confirm(client, code).status_code == 200
    assert all_rsvps()[0].email_confirmed is True


def test_when_the_new_links_cannot_be_mailed_the_old_link_keeps_working(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    old = make_rsvp(make_event(), email="me@example.org")
    smtp.refuse.add("me@example.org")
    assert _lost(client, "me@example.org").status_code == 200
    assert smtp.received == []
    assert post_manage(client, "/rsvp/manage", token=old.token).status_code == 200


def test_lost_links_count_against_the_daily_budget(client: FlaskClient, smtp: SmtpSink) -> None:
    old = make_rsvp(make_event(), email="me@example.org")
    for _ in range(4):
        assert _lost(client, "me@example.org").status_code == 200
    assert len(smtp.received) == 3
    # The last request changed nothing: the link of the third mail still works.
    [last_code] = MAILED_MANAGE_LINK.findall(smtp.received[-1].body)
    assert post_manage(client, "/rsvp/manage", token=last_code).status_code == 200
    assert post_manage(client, "/rsvp/manage", token=old.token).status_code == 404


@pytest.mark.parametrize(
    "address", ["", "not-an-address", "a@b", "x" * 300 + "@example.org", "a@b.org\r\nBcc: c@d.org"]
)
def test_a_bad_address_for_a_lost_link_is_refused_readably(
    client: FlaskClient, smtp: SmtpSink, address: str
) -> None:
    response = _lost(client, address)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert smtp.received == []


def test_lost_link_needs_csrf(client: FlaskClient, smtp: SmtpSink) -> None:
    make_rsvp(make_event(), email="me@example.org")
    assert client.post("/rsvp/lost", data={"email": "me@example.org"}).status_code == 400
    assert smtp.received == []


def test_the_manage_page_accepts_a_pasted_whole_link(client: FlaskClient) -> None:
    code = make_rsvp(make_event()).token
    for pasted in [
        f"http://localhost/rsvp/manage#{code}",
        f"  http://localhost/rsvp/manage#{code}\n",
    ]:
        assert post_manage(client, "/rsvp/manage", token=pasted).status_code == 200
    assert (
        post_manage(client, "/rsvp/manage", token="http://localhost/rsvp/manage#").status_code
        == 404
    )


def test_a_waitlisted_rsvp_says_waiting_list_in_page_and_mail(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event(capacity=1)
    make_rsvp(event)
    response = post_rsvp(client, event, **_notify("me@example.org"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are on the waiting list" in page
    assert "waiting list" in smtp.received[0].body
    assert "you are on the waiting list" in smtp.received[0].body


def test_the_manage_page_links_to_a_new_link_by_mail(client: FlaskClient) -> None:
    page = client.get("/rsvp/manage").get_data(as_text=True)
    assert 'href="/rsvp/lost"' in page
    form = client.get("/rsvp/lost").get_data(as_text=True)
    assert '<label for="email"' in form


def test_no_unconfirmed_address_reaches_a_notice_from_a_stored_row(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    # Even an address written straight to the database gets nothing until confirmed.
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    make_rsvp(event, email="typed@example.org", confirmed=False)
    _move_to_16h(client, event)
    assert smtp.received == []
    stored = db.session.scalars(select(Rsvp)).one()
    assert stored.email == "typed@example.org"
