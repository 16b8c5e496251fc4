"""New organizers' events wait for a reviewer (an admin setting); admins trust organizers
and revoke hosts' private links. Through the real views and a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditAction, AuditEntry, Event, EventStatus, Proposal, Role, User
from tests.conftest import csrf_token, signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy
from tests.proposals.helpers import form_data, hague_embassy, mailed_code
from tests.rsvp.smtp import SmtpSink

NEW = "/organize/events/new"
QUEUE = "/admin/proposals"
HOSTILE = '<b>bold</b> & "quoted" {{ 7*7 }}\nsecond line'


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _client(app: Flask) -> FlaskClient:
    return app.test_client()


def _admin_client(app: Flask) -> tuple[FlaskClient, User]:
    client = _client(app)
    admin = signed_in(client, role=Role.ADMIN, display_name="Admin Ada")
    return client, admin


def _switch_review(admin: FlaskClient) -> Any:
    token = csrf_token(admin, "/admin/organizers")
    return admin.post("/admin/organizers/review-setting", data={"csrf_token": token})


def _review_on(app: Flask) -> FlaskClient:
    admin, _ = _admin_client(app)
    assert _switch_review(admin).status_code == 303
    assert "Review of new organizers" in admin.get("/admin/organizers").get_data(as_text=True)
    return admin


def _event(title: str) -> Event:
    db.session.expire_all()
    event = db.session.scalars(select(Event).where(Event.title == title)).one()
    return event


def _actions() -> list[AuditAction]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _post(client: FlaskClient, url: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, QUEUE), **data})


def test_with_the_setting_off_every_organizer_publishes(app: Flask, client: FlaskClient) -> None:
    signed_in(client)
    page = client.get(NEW).get_data(as_text=True)
    assert "Send for review" not in page
    assert post_event(client, NEW, event_form(berlin_embassy())).status_code == 303
    assert _event("Vigil for the prisoners").status == EventStatus.PUBLISHED


def test_a_new_organizers_event_waits_and_a_reviewer_publishes_it(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    _review_on(app)
    organizer = signed_in(client, email="new@example.org")
    assert 'value="Send for review"' in client.get(NEW).get_data(as_text=True)
    response = post_event(client, NEW, event_form(berlin_embassy(), title="First vigil"))
    assert response.status_code == 303
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent to the reviewers" in landing
    assert "waiting for a reviewer" in landing
    event = _event("First vigil")
    assert event.status == EventStatus.DRAFT
    assert event.awaits_review
    anonymous = _client(app)
    assert "First vigil" not in anonymous.get("/events").get_data(as_text=True)
    assert "First vigil" not in anonymous.get("/calendar.ics").get_data(as_text=True)

    reviewer = _client(app)
    signed_in(reviewer, is_reviewer=True, email="reviewer@example.org")
    queue = reviewer.get(QUEUE).get_data(as_text=True)
    assert "Events by new organizers" in queue
    assert "First vigil" in queue
    # Only admins may trust: a reviewer's form has no such box, and a forged one is ignored.
    assert "Trust this organizer" not in queue
    response = _post(
        reviewer,
        f"/admin/proposals/events/{event.id}/approve",
        **{f"approve-{event.id}-trust": "y"},
    )
    assert response.status_code == 303
    event = _event("First vigil")
    assert event.status == EventStatus.PUBLISHED
    assert not event.awaits_review
    assert db.session.get(User, organizer.id).is_trusted is False  # type: ignore[union-attr]
    assert "First vigil" in anonymous.get("/events").get_data(as_text=True)
    [sent] = [m for m in smtp.received if m.rcpt_tos == ["new@example.org"]]
    assert sent.message["Subject"] == "Your event is published"
    assert f"/events/{event.slug}" in sent.body
    assert _actions()[-2:] == [AuditAction.EVENT_REVIEW_REQUESTED, AuditAction.EVENT_APPROVED]
    # Published once, it stays editable without another review.
    edit = f"/organize/events/{event.id}/edit"
    edited = post_event(client, edit, event_form(event.venue, title="First vigil, edited"))
    assert edited.status_code == 303
    assert _event("First vigil, edited").status == EventStatus.PUBLISHED


def test_sent_back_with_a_reason_then_sent_again(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    admin = _review_on(app)
    signed_in(client, email="new@example.org")
    post_event(client, NEW, event_form(berlin_embassy(), title="Draft vigil"))
    event = _event("Draft vigil")

    refused = _post(admin, f"/admin/proposals/events/{event.id}/send-back")
    assert refused.status_code == 422
    assert "Say why" in refused.get_data(as_text=True)
    assert _event("Draft vigil").awaits_review

    response = _post(
        admin,
        f"/admin/proposals/events/{event.id}/send-back",
        **{f"back-{event.id}-reason": HOSTILE},
    )
    assert response.status_code == 303
    event = _event("Draft vigil")
    assert event.is_draft
    assert not event.awaits_review
    assert event.review_note == HOSTILE
    [sent] = [m for m in smtp.received if m.rcpt_tos == ["new@example.org"]]
    assert HOSTILE in sent.body.replace("\r\n", "\n")
    edit_page = client.get(f"/organize/events/{event.id}/edit").get_data(as_text=True)
    assert "A reviewer sent this event back" in edit_page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34; {{ 7*7 }}" in edit_page
    assert "Draft vigil" not in admin.get(QUEUE).get_data(as_text=True)
    # A second send-back of the same event: it is no longer in the queue.
    again = _post(
        admin,
        f"/admin/proposals/events/{event.id}/send-back",
        **{f"back-{event.id}-reason": "again"},
    )
    assert again.status_code == 404

    # Saved as a draft it stays out of the queue; sent for review it is back, the note gone.
    edit = f"/organize/events/{event.id}/edit"
    post_event(
        client, edit, event_form(event.venue, title="Draft vigil", publish=None, save_draft="y")
    )
    assert not _event("Draft vigil").awaits_review
    post_event(client, edit, event_form(event.venue, title="Draft vigil"))
    event = _event("Draft vigil")
    assert event.awaits_review
    assert event.review_note is None
    assert "Draft vigil" in admin.get(QUEUE).get_data(as_text=True)


def test_admins_approve_and_trust_and_trusted_organizers_publish(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    admin = _review_on(app)
    organizer = signed_in(client, email="new@example.org")
    post_event(client, NEW, event_form(berlin_embassy(), title="Vigil one"))
    event = _event("Vigil one")
    assert "Trust this organizer" in admin.get(QUEUE).get_data(as_text=True)
    response = _post(
        admin, f"/admin/proposals/events/{event.id}/approve", **{f"approve-{event.id}-trust": "y"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, organizer.id).is_trusted  # type: ignore[union-attr]
    assert AuditAction.ACCOUNT_TRUST_SET in _actions()
    page = client.get(NEW).get_data(as_text=True)
    assert "Send for review" not in page
    post_event(client, NEW, event_form(event.venue, title="Vigil two"))
    assert _event("Vigil two").status == EventStatus.PUBLISHED

    # Trust is withdrawn on /admin/organizers: the next event waits again.
    token = csrf_token(admin, "/admin/organizers")
    untrust = admin.post(f"/admin/organizers/{organizer.id}/trust", data={"csrf_token": token})
    assert untrust.status_code == 303
    post_event(client, NEW, event_form(event.venue, title="Vigil three"))
    assert _event("Vigil three").awaits_review


def test_admins_publish_directly_and_the_setting_switches_off(
    app: Flask, client: FlaskClient
) -> None:
    admin = _review_on(app)
    venue = berlin_embassy()
    post_event(admin, NEW, event_form(venue, title="Admin vigil"))
    assert _event("Admin vigil").status == EventStatus.PUBLISHED
    assert _switch_review(admin).status_code == 303
    signed_in(client)
    post_event(client, NEW, event_form(venue, title="Organizer vigil"))
    assert _event("Organizer vigil").status == EventStatus.PUBLISHED
    assert _actions().count(AuditAction.SETTINGS_CHANGED) == 2


def test_bad_review_requests_change_nothing(app: Flask, client: FlaskClient) -> None:
    admin = _review_on(app)
    signed_in(client)
    post_event(client, NEW, event_form(berlin_embassy(), title="Waiting"))
    event = _event("Waiting")
    approve = f"/admin/proposals/events/{event.id}/approve"
    assert admin.post(approve).status_code == 400  # no CSRF token
    assert admin.post("/admin/organizers/review-setting").status_code == 400
    assert _post(admin, "/admin/proposals/events/999999/approve").status_code == 404
    assert admin.post("/admin/proposals/events/abc/approve").status_code == 404
    too_long = _post(
        admin,
        f"/admin/proposals/events/{event.id}/send-back",
        **{f"back-{event.id}-reason": "x" * 501},
    )
    assert too_long.status_code == 422
    assert _event("Waiting").awaits_review
    # The organizer cannot approve their own event.
    assert _post(client, approve).status_code == 404
    assert _event("Waiting").awaits_review


def test_admins_revoke_a_hosts_link(app: Flask, client: FlaskClient, smtp: SmtpSink) -> None:
    venue = hague_embassy()
    assert client.post("/campaign/host", data=form_data(client, venue)).status_code == 303
    code = mailed_code(smtp, "confirm")
    client.post(
        "/campaign/host/confirm",
        data={"csrf_token": csrf_token(client, "/campaign/host/confirm"), "code": code},
    )
    proposal = db.session.scalars(select(Proposal)).one()
    admin, _ = _admin_client(app)
    assert _post(admin, f"/admin/proposals/{proposal.id}/approve").status_code == 303
    manage = mailed_code(smtp, "manage")
    token = csrf_token(client, "/campaign/host/manage")
    opened = client.post("/campaign/host/manage", data={"csrf_token": token, "code": manage})
    assert opened.status_code == 200
    assert "Hosts' private links" in admin.get(QUEUE).get_data(as_text=True)

    reviewer = _client(app)
    signed_in(reviewer, is_reviewer=True, email="reviewer@example.org")
    assert "Hosts' private links" not in reviewer.get(QUEUE).get_data(as_text=True)
    assert _post(reviewer, f"/admin/proposals/{proposal.id}/revoke").status_code == 404
    assert admin.post(f"/admin/proposals/{proposal.id}/revoke").status_code == 400

    assert _post(admin, f"/admin/proposals/{proposal.id}/revoke").status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).manage_hash is None  # type: ignore[union-attr]
    assert _actions()[-1] == AuditAction.PROPOSAL_LINK_REVOKED
    response = client.post("/campaign/host/manage", data={"csrf_token": token, "code": manage})
    assert response.status_code == 404
    assert _post(admin, f"/admin/proposals/{proposal.id}/revoke").status_code == 404
    # The event stays published.
    revoked = db.session.get(Proposal, proposal.id)
    assert revoked is not None
    assert revoked.event is not None
    assert revoked.event.status == EventStatus.PUBLISHED
