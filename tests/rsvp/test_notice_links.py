"""Links in e-mails lead to VIGIL_BASE_URL, whatever host the triggering request named.

An anonymous attacker could cancel an RSVP with ``Host: evil.example`` and Vigil's own
mail server sent the waitlisted supporter a link to evil.example. A real SMTP server
runs in-process (tests/rsvp/test_notices.py) and we read what arrived.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.rsvp import notices
from app.rsvp.services import cancel_rsvps
from tests.factories import make_event, make_rsvp
from tests.rsvp.pages import rsvp_count, rsvp_form
from tests.rsvp.smtp import SUBJECT_MANAGE, SUBJECT_PROMOTED, SmtpSink

SITE = "https://vigil.example.org"
# The site's own host as plain HTTP: a proxy that terminates TLS without saying so.
PLAIN = "http://vigil.example.org"
EVIL = "http://evil.example"


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    """The site at https://vigil.example.org, mailing through ``smtp``.

    CSRF is off so that a refusal can only come from the host check.
    """
    return {
        "BASE_URL": SITE,
        **smtp.settings,
        "WTF_CSRF_ENABLED": False,
    }


def _links(body: str) -> list[str]:
    return [word for word in body.split() if "://" in word]


def test_a_cancellation_sent_to_another_host_promotes_no_one(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = make_event(capacity=1)
    first = make_rsvp(event, email="first@example.org")
    make_rsvp(event, email="next@example.org")  # waitlisted

    forged = client.post("/rsvp/manage/cancel", data={"token": first.token}, base_url=EVIL)
    assert forged.status_code == 400
    assert rsvp_count() == 2
    assert smtp.received == []

    sent = client.post("/rsvp/manage/cancel", data={"token": first.token}, base_url=PLAIN)
    assert sent.status_code == 303
    [item] = smtp.received
    assert item.rcpt_tos == ["next@example.org"]
    assert item.message["Subject"] == SUBJECT_PROMOTED
    assert _links(item.body) == [f"{SITE}/events/{event.slug}"]


def test_the_manage_link_mail_leads_to_the_site(client: FlaskClient, smtp: SmtpSink) -> None:
    event = make_event()
    form = rsvp_form(email="me@example.org", notify="y")
    assert client.post(f"/events/{event.slug}/rsvp", data=form, base_url=EVIL).status_code == 400
    assert smtp.received == []

    assert client.post(f"/events/{event.slug}/rsvp", data=form, base_url=PLAIN).status_code == 303
    [item] = smtp.received
    assert item.message["Subject"] == SUBJECT_MANAGE
    links = _links(item.body)
    assert links
    assert all(link.startswith(f"{SITE}/") for link in links), links
    assert any(link.startswith(f"{SITE}/rsvp/manage#") for link in links), links


def test_notices_sent_outside_a_request_lead_to_the_site(app: Flask, smtp: SmtpSink) -> None:
    # `flask rsvp send-notices` and other commands have no request, and so no host.
    event = make_event(capacity=1)
    first = make_rsvp(event, email="first@example.org")
    make_rsvp(event, email="next@example.org")
    cancel_rsvps(first.token)  # in the app context of the test, without a request
    report = notices.deliver_queued()
    assert report.sent == 1
    [item] = smtp.received
    assert _links(item.body) == [f"{SITE}/events/{event.slug}"]
