"""The core path: propose → confirm by mail → review → published, or rejected; host's link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Event, EventStatus, Proposal, ProposalStatus, Role
from tests.conftest import csrf_token, signed_in
from tests.factories import make_event, make_rsvp
from tests.proposals.helpers import HOST_EMAIL, form_data, hague_embassy, mailed_code
from tests.rsvp.smtp import SmtpSink


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _propose(client: FlaskClient, **changes: str) -> Proposal:
    """A new proposal at the embassy in The Hague; ``_existing``: at the venue of the first
    proposal (the embassy can be made only once)."""
    first = db.session.scalars(select(Proposal).order_by(Proposal.id)).first()
    venue = first.venue if changes.pop("_existing", "") and first is not None else hague_embassy()
    response = client.post("/campaign/host", data=form_data(client, venue, **changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    proposal = db.session.scalars(select(Proposal).order_by(Proposal.id.desc())).first()
    assert proposal is not None
    return proposal


def _confirm(client: FlaskClient, code: str) -> Any:
    token = csrf_token(client, "/campaign/host/confirm")
    return client.post("/campaign/host/confirm", data={"csrf_token": token, "code": code})


def _manage(client: FlaskClient, code: str) -> Any:
    token = csrf_token(client, "/campaign/host/manage")
    return client.post("/campaign/host/manage", data={"csrf_token": token, "code": code})


def test_propose_confirm_approve_publishes_the_vigil(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    proposal = _propose(client)
    assert proposal.status == ProposalStatus.UNCONFIRMED
    assert proposal.confirm_hash is not None
    assert len(proposal.confirm_hash) == 64
    sent = client.get("/campaign/host/sent")
    assert "Check your e-mail" in sent.get_data(as_text=True)
    assert sent.headers["Cache-Control"] == "no-store"

    (mail,) = smtp.to(HOST_EMAIL)
    assert mail.message["Subject"] == "Please confirm your proposal for a vigil"
    # The zone named for people, not by its database id.
    assert "Local time at the place: Netherlands Time." in mail.body
    assert "Europe/Amsterdam" not in mail.body
    code = mailed_code(smtp, "confirm")
    assert code not in (proposal.confirm_hash or "")
    # Not in the queue before the confirmation.
    admin_client = client.application.test_client()
    admin = signed_in(admin_client, role=Role.ADMIN)
    assert "Shirin from Delft" not in admin_client.get("/admin/proposals").get_data(as_text=True)

    # A GET of the link confirms nothing (mail scanners open links).
    assert client.get("/campaign/host/confirm").status_code == 200
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.UNCONFIRMED
    assert _confirm(client, code).status_code == 200
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.confirm_hash is None
    assert _confirm(client, code).status_code == 404  # works once

    queue = admin_client.get("/admin/proposals").get_data(as_text=True)
    assert "Shirin from Delft" in queue
    assert "h***@example.org" in queue
    assert HOST_EMAIL not in queue

    token = csrf_token(admin_client, "/admin/proposals")
    response = admin_client.post(
        f"/admin/proposals/{proposal.id}/approve", data={"csrf_token": token}
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.APPROVED
    event = db.session.get(Event, proposal.event_id)
    assert event is not None
    assert event.status == EventStatus.PUBLISHED
    assert event.organized_by == "Shirin from Delft"
    assert event.organizer_id == admin.id
    assert event.venue.name == "Embassy of Iran, The Hague"

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Shirin from Delft" in page
    assert event.slug in client.get("/events").get_data(as_text=True)
    assert event.uid in client.get("/calendar.ics").get_data(as_text=True)

    approved = smtp.to(HOST_EMAIL)[-1]
    assert approved.message["Subject"] == "Your vigil is published"
    assert f"/events/{event.slug}" in approved.body
    manage_code = mailed_code(smtp, "manage")
    assert proposal.manage_hash is not None
    assert manage_code not in proposal.manage_hash

    # The host's page: counts, edit, cancel.
    make_rsvp(event, party_size=3)
    page_text = _manage(client, manage_code).get_data(as_text=True)
    assert "People going: 3" in page_text
    sequence = event.sequence
    token = csrf_token(client, "/campaign/host/manage")
    response = client.post(
        "/campaign/host/manage/edit",
        data={
            "csrf_token": token,
            "code": manage_code,
            "starts_at": "2026-12-12T16:00",
            "ends_at": "2026-12-12T18:00",
            "repeat": "none",
            "description": "Now an hour later.",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.sequence == sequence + 1
    assert event.starts_at.hour == 15  # 16:00 in Amsterdam, winter time
    assert event.description == "Now an hour later."
    response = client.post(
        "/campaign/host/manage/cancel",
        data={"csrf_token": token, "code": manage_code, "reason": "Storm warning"},
    )
    assert response.status_code == 200
    db.session.refresh(event)
    assert event.status == EventStatus.CANCELLED
    assert event.cancel_reason == "Storm warning"


def _approved(client: FlaskClient, smtp: SmtpSink, **changes: str) -> tuple[Proposal, str]:
    proposal = _propose(client, **changes)
    assert (
        _confirm(client, mailed_code(smtp, "confirm", changes.get("email", HOST_EMAIL))).status_code
        == 200
    )
    reviewer_client = client.application.test_client()
    signed_in(reviewer_client, is_reviewer=True)
    token = csrf_token(reviewer_client, "/admin/proposals")
    response = reviewer_client.post(
        f"/admin/proposals/{proposal.id}/approve", data={"csrf_token": token}
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    return proposal, mailed_code(smtp, "manage", changes.get("email", HOST_EMAIL))


def test_a_host_code_reaches_its_one_event_only(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    first, first_code = _approved(client, smtp)
    other_event = make_event(hague_embassy(import_key=None, name="Elsewhere"))
    page = _manage(client, first_code).get_data(as_text=True)
    assert first.event is not None
    assert first.event.slug in page
    assert other_event.slug not in page
    # The edit changes the code's own event whatever else is posted.
    token = csrf_token(client, "/campaign/host/manage")
    before = other_event.starts_at
    response = client.post(
        "/campaign/host/manage/edit",
        data={
            "csrf_token": token,
            "code": first_code,
            "event_id": str(other_event.id),
            "starts_at": "2026-12-12T16:00",
            "ends_at": "2026-12-12T18:00",
            "repeat": "none",
            "description": "x",
        },
    )
    assert response.status_code == 200
    db.session.refresh(other_event)
    assert other_event.starts_at == before
    # Forged, truncated or query-string codes get nothing.
    assert _manage(client, first_code[:-2] + "AA").status_code == 404
    assert _manage(client, "x" * 30).status_code == 404
    assert client.get(f"/campaign/host/manage?code={first_code}").status_code == 400
    response = client.post(
        "/campaign/host/manage/cancel",
        data={"csrf_token": token, "code": "A" * 43, "reason": ""},
    )
    assert response.status_code == 404
    # Without the CSRF token nothing changes.
    response = client.post("/campaign/host/manage/cancel", data={"code": first_code, "reason": ""})
    assert response.status_code in {400, 422}
    db.session.refresh(first)
    assert first.event is not None
    assert first.event.status == EventStatus.PUBLISHED


def _code_routes(app: Flask) -> list[str]:
    """The host's pages that take a code by POST, from the URL map: every public route of
    the package but the proposal form itself (the review queue is for reviewers)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("proposals.")
        and not rule.endpoint.startswith("proposals.admin.")
        and rule.endpoint != "proposals.host"
        and "POST" in (rule.methods or set())
    )


def _state() -> list[tuple[object, ...]]:
    """All that a code could change: every proposal and every event, as now stored."""
    db.session.expire_all()
    proposals = db.session.scalars(select(Proposal).order_by(Proposal.id))
    events = db.session.scalars(select(Event).order_by(Event.id))
    return [
        *(
            (p.id, p.status, p.description, p.starts_at, p.confirm_hash, p.manage_hash, p.event_id)
            for p in proposals
        ),
        *(
            (e.id, e.status, e.description, e.starts_at, e.sequence, e.cancel_reason)
            for e in events
        ),
    ]


def test_a_code_of_another_kind_or_host_gets_nothing_anywhere(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    """A management code does not confirm, another host's confirmation code manages nothing:
    every POST route of the host's pages answers 404, as to an unknown code, and nothing
    changes, whatever ids the form carries besides."""
    first, manage_code = _approved(client, smtp)
    second = _propose(client, email="other@example.org", _existing="1")
    confirm_code = mailed_code(smtp, "confirm", "other@example.org")
    assert first.event_id is not None
    routes = _code_routes(app)
    confirm = "/campaign/host/confirm"
    assert {confirm, "/campaign/host/manage/edit", "/campaign/host/manage/cancel"} <= set(routes)
    token = csrf_token(client, "/campaign/host/manage")
    before = _state()
    answered: list[str] = []
    for path in routes:
        code = manage_code if path == confirm else confirm_code
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "code": code,
                "proposal_id": str(second.id),
                "event_id": str(first.event_id),
                "starts_at": "2026-12-12T16:00",
                "ends_at": "2026-12-12T18:00",
                "repeat": "none",
                "description": "Taken over.",
                "reason": "Taken over.",
            },
        )
        if response.status_code != 404:
            answered.append(f"POST {path} → {response.status_code}")
    assert answered == []
    assert _state() == before
    # Each code still does its own one thing, to its own proposal only.
    assert _confirm(client, confirm_code).status_code == 200
    db.session.refresh(second)
    assert second.status == ProposalStatus.PENDING
    response = client.post(
        "/campaign/host/manage/cancel",
        data={
            "csrf_token": token,
            "code": manage_code,
            "proposal_id": str(second.id),
            "reason": "Storm warning",
        },
    )
    assert response.status_code == 200
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.event is not None
    assert first.event.status == EventStatus.CANCELLED
    assert (second.status, second.event_id) == (ProposalStatus.PENDING, None)


def test_the_hosts_page_names_each_element_once(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    """Two forms (change, cancel) on one page: ids must stay unique, or labels and
    scripts reach the wrong field and the page is not valid HTML."""
    _proposal, code = _approved(client, smtp)
    ids = re.findall(r'\sid="([^"]+)"', _manage(client, code).get_data(as_text=True))
    assert ids
    assert sorted({name for name in ids if ids.count(name) > 1}) == []


def test_reject_mails_the_reason_literally(app: Flask, client: FlaskClient, smtp: SmtpSink) -> None:
    proposal = _propose(client)
    assert _confirm(client, mailed_code(smtp, "confirm")).status_code == 200
    reviewer_client = client.application.test_client()
    signed_in(reviewer_client, is_reviewer=True)
    token = csrf_token(reviewer_client, "/admin/proposals")
    url = f"/admin/proposals/{proposal.id}/reject"
    # A reason is required.
    response = reviewer_client.post(
        url, data={"csrf_token": token, f"reject-{proposal.id}-reason": ""}
    )
    assert response.status_code == 422
    reason = "<b>Too close</b> to the & other vigil\nزن، زندگی، آزادی"
    response = reviewer_client.post(
        url, data={"csrf_token": token, f"reject-{proposal.id}-reason": reason}
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.event_id is None
    rejected = smtp.to(HOST_EMAIL)[-1]
    assert rejected.message["Subject"] == "Your proposal for a vigil was not accepted"
    assert reason in rejected.body.replace("\r\n", "\n")  # as typed, not HTML-escaped
    # Reviewed proposals leave the queue; their routes answer 404.
    assert reviewer_client.post(url, data={"csrf_token": token}).status_code == 404
    approve = f"/admin/proposals/{proposal.id}/approve"
    assert reviewer_client.post(approve, data={"csrf_token": token}).status_code == 404


def test_asked_changes_return_to_the_queue(app: Flask, client: FlaskClient, smtp: SmtpSink) -> None:
    proposal = _propose(client)
    assert _confirm(client, mailed_code(smtp, "confirm")).status_code == 200
    reviewer_client = client.application.test_client()
    signed_in(reviewer_client, role=Role.ADMIN)
    token = csrf_token(reviewer_client, "/admin/proposals")
    response = reviewer_client.post(
        f"/admin/proposals/{proposal.id}/changes",
        data={"csrf_token": token, f"changes-{proposal.id}-reason": "Please start at 16:00."},
    )
    assert response.status_code == 303
    code = mailed_code(smtp, "manage")
    assert "Please start at 16:00." in smtp.to(HOST_EMAIL)[-1].body
    assert "Please start at 16:00." in _manage(client, code).get_data(as_text=True)
    token = csrf_token(client, "/campaign/host/manage")
    response = client.post(
        "/campaign/host/manage/edit",
        data={
            "csrf_token": token,
            "code": code,
            "starts_at": "2026-12-12T16:00",
            "ends_at": "2026-12-12T18:00",
            "repeat": "none",
            "description": "Later, as asked.",
        },
    )
    assert response.status_code == 200
    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.description == "Later, as asked."
    assert "Later, as asked." in reviewer_client.get("/admin/proposals").get_data(as_text=True)


def test_possible_duplicates_are_flagged_to_host_and_reviewer(
    app: Flask, client: FlaskClient, smtp: SmtpSink
) -> None:
    from datetime import datetime

    venue = hague_embassy()
    near = make_event(
        venue,
        starts_local=datetime(2026, 12, 12, 16, 30),  # noqa: DTZ001 - venue wall time
        title="Near vigil",
    )
    far = make_event(
        venue,
        starts_local=datetime(2026, 12, 12, 18, 30),  # noqa: DTZ001 - venue wall time
        title="Far vigil",
    )
    response = client.post("/campaign/host", data=form_data(client, venue))
    assert response.status_code == 303
    page = client.get("/campaign/host/sent").get_data(as_text=True)
    assert near.slug in page
    assert far.slug not in page
    assert _confirm(client, mailed_code(smtp, "confirm")).status_code == 200
    reviewer_client = client.application.test_client()
    signed_in(reviewer_client, is_reviewer=True)
    queue = reviewer_client.get("/admin/proposals").get_data(as_text=True)
    assert "Possible duplicate" in queue
    assert near.slug in queue
    assert far.slug not in queue
