"""Who sees the review queue, what they see, the reviewer switch, and the address purge."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Proposal, ProposalStatus, Role, User
from tests.conftest import DEFAULT_NOW, csrf_token, signed_in
from tests.proposals.helpers import HOST_EMAIL, form_data, hague_embassy, mailed_code
from tests.rsvp.smtp import SmtpSink

HOSTILE_NAME = '<script>alert("name")</script>'
HOSTILE_TEXT = '<img src=x onerror=alert(1)> {{ 7*7 }} "quoted" & زن، زندگی، آزادی\n' + "x" * 900


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _pending(client: FlaskClient, smtp: SmtpSink, **changes: str) -> Proposal:
    venue = hague_embassy()
    assert (
        client.post("/campaign/host", data=form_data(client, venue, **changes)).status_code == 303
    )
    token = csrf_token(client, "/campaign/host/confirm")
    code = mailed_code(smtp, "confirm", changes.get("email", HOST_EMAIL))
    response = client.post("/campaign/host/confirm", data={"csrf_token": token, "code": code})
    assert response.status_code == 200
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.status == ProposalStatus.PENDING
    return proposal


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    response = client.get("/admin/proposals")
    assert response.status_code in {302, 303}
    assert response.headers["Location"].startswith("/auth/login")


def test_organizers_without_the_flag_get_404(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    proposal = _pending(client.application.test_client(), smtp)
    signed_in(client)
    token = csrf_token(client, "/")
    assert client.get("/admin/proposals").status_code == 404
    for action in ("approve", "reject", "changes"):
        response = client.post(
            f"/admin/proposals/{proposal.id}/{action}",
            data={"csrf_token": token, f"{action}-{proposal.id}-reason": "no"},
        )
        assert response.status_code == 404
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.PENDING
    # A reviewer sees the queue but not the rest of the admin area.
    reviewer = client.application.test_client()
    signed_in(reviewer, is_reviewer=True)
    assert reviewer.get("/admin/proposals").status_code == 200
    assert reviewer.get("/admin/organizers").status_code == 404
    # A deactivated reviewer is refused.
    account = db.session.scalars(select(User).where(User.is_reviewer.is_(True))).one()
    account.is_active = False
    db.session.commit()
    assert reviewer.get("/admin/proposals").status_code in {302, 303, 404}


def test_reviewers_see_the_address_masked_and_hostile_text_literally(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    _pending(
        client, smtp, host_name=HOSTILE_NAME, description=HOSTILE_TEXT, email="hannah@example.org"
    )
    reviewer = client.application.test_client()
    signed_in(reviewer, is_reviewer=True)
    response = reviewer.get("/admin/proposals")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "h***@example.org" in page
    assert "hannah@example.org" not in page
    assert "hannah" not in page
    assert HOSTILE_NAME not in page
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; {{ 7*7 }}" in page
    assert "زن، زندگی، آزادی" in page
    # In the mail the same text arrives as typed.
    mail = smtp.to("hannah@example.org")[0].body.replace("\r\n", "\n")
    assert HOSTILE_NAME in mail


def test_admins_switch_the_reviewer_flag(app: Flask, client: FlaskClient) -> None:
    signed_in(client, role=Role.ADMIN)
    organizer = signed_in(client.application.test_client())
    page = client.get("/admin/organizers").get_data(as_text=True)
    assert "Make reviewer" in page
    token = csrf_token(client, "/admin/organizers")
    url = f"/admin/organizers/{organizer.id}/reviewer"
    assert client.post(url).status_code == 400  # no CSRF token
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    db.session.refresh(organizer)
    assert organizer.is_reviewer
    assert "Stop reviewing" in client.get("/admin/organizers").get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    db.session.refresh(organizer)
    assert not organizer.is_reviewer
    assert (
        client.post("/admin/organizers/999/reviewer", data={"csrf_token": token}).status_code == 404
    )
    # Both switches are in the audit log, by the admin, with no e-mail.
    response = client.get("/admin/audit/", query_string={"action": "account.reviewer_set"})
    assert response.status_code == 200
    audit = response.get_data(as_text=True)
    assert audit.count('<data class="audit-action" value="account.reviewer_set"') == 2
    assert "Reviewer permission changed" in audit
    assert organizer.display_name in audit
    assert organizer.email not in audit


def test_reviewers_find_the_queue_from_their_list(app: Flask, client: FlaskClient) -> None:
    signed_in(client, is_reviewer=True)
    assert 'href="/admin/proposals"' in client.get("/organize/").get_data(as_text=True)
    other = client.application.test_client()
    signed_in(other)
    assert "/admin/proposals" not in other.get("/organize/").get_data(as_text=True)


def test_purge_deletes_addresses_a_day_after_the_vigil(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    proposal = _pending(client, smtp)
    proposal_id, venue = proposal.id, proposal.venue
    late = form_data(client, venue, email="late@example.org")
    assert client.post("/campaign/host", data=late).status_code == 303
    runner = app.test_cli_runner()

    def email_of(row_id: int) -> str | None:
        row = db.session.get(Proposal, row_id)
        assert row is not None
        return row.host_email

    # Saturday 2026-12-12 17:00 Amsterdam = 16:00 UTC; the address is kept 24 hours more.
    clock.freeze(DEFAULT_NOW.replace(month=12, day=13, hour=15, minute=59))
    result = runner.invoke(args=["proposals", "purge"])
    assert result.exit_code == 0, result.output
    # The unconfirmed proposal (over a week old) is gone; the confirmed one keeps its address.
    assert "Deleted 0 hosts' e-mail addresses and 1 proposals" in result.output
    assert [row.id for row in db.session.scalars(select(Proposal))] == [proposal_id]
    assert email_of(proposal_id) == HOST_EMAIL
    clock.freeze(DEFAULT_NOW.replace(month=12, day=13, hour=16, minute=1))
    result = runner.invoke(args=["proposals", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 hosts' e-mail addresses and 0 proposals" in result.output
    assert email_of(proposal_id) is None


def test_hostile_text_stays_literal_once_published(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    """After approval the host's name and description reach the event page, the calendar
    feed, RSS and Atom and the host's mail: as text every time, never as live markup."""
    proposal = _pending(
        client, smtp, host_name=HOSTILE_NAME, description=HOSTILE_TEXT, email="hannah@example.org"
    )
    admin = client.application.test_client()
    signed_in(admin, role=Role.ADMIN)
    token = csrf_token(admin, "/admin/proposals")
    assert (
        admin.post(f"/admin/proposals/{proposal.id}/approve", data={"csrf_token": token})
    ).status_code == 303
    db.session.expire_all()
    event = db.session.get(Proposal, proposal.id).event  # type: ignore[union-attr]
    assert event is not None

    visitor = client.application.test_client()
    page = visitor.get(f"/events/{event.slug}").get_data(as_text=True)
    assert HOSTILE_NAME not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in page

    feed = Calendar.from_ical(visitor.get("/calendar.ics").get_data())
    [vevent] = [c for c in feed.walk("VEVENT") if str(c["UID"]) == event.uid]
    assert HOSTILE_TEXT.replace("\n", "") in str(vevent["DESCRIPTION"]).replace("\n", "")

    # Atom's summary is text: the name as typed. RSS descriptions are read as HTML: escaped.
    atom = ElementTree.fromstring(visitor.get("/events.atom").get_data())  # noqa: S314 (ours)
    assert HOSTILE_NAME in "".join(atom.itertext())
    rss = ElementTree.fromstring(visitor.get("/events.rss").get_data())  # noqa: S314 (ours)
    [description] = [item.findtext("description") or "" for item in rss.iter("item")]
    assert "&lt;script&gt;" in description
    assert "<script" not in description

    approved = smtp.to("hannah@example.org")[-1].body.replace("\r\n", "\n")
    assert "/campaign/host/manage#" in approved
    assert "&lt;" not in approved
    assert "&amp;" not in approved
