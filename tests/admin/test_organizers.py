"""Invitations, deactivation and reactivation from /admin/organizers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import clock
from app.auth.services import hash_token
from app.extensions import db
from app.models import Invite, Role, User
from tests.conftest import DEFAULT_NOW, csrf_token, login
from tests.factories import PASSWORD

LINK = re.compile(r'value="(http://localhost/auth/invite#([A-Za-z0-9_-]+))"')
NEW_PASSWORD = "a long and unguessable passphrase"


def invite(client: FlaskClient, email: str) -> tuple[int, str]:
    token = csrf_token(client, "/admin/organizers")
    response = client.post("/admin/organizers/invite", data={"email": email, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def accept(client: FlaskClient, token: str, name: str = "New Organizer") -> int:
    form_token = csrf_token(client, "/auth/invite")
    response = client.post(
        "/auth/invite",
        data={
            "token": token,
            "display_name": name,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": form_token,
        },
    )
    return response.status_code


def invites() -> list[Invite]:
    return list(db.session.scalars(select(Invite)))


def test_organizers_page_lists_accounts(admin_client: FlaskClient, organizer: User) -> None:
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert "Organizer Omid" in page
    assert "omid@example.org" in page
    assert "Admin Ada" in page
    assert 'action="/admin/organizers/invite"' in page
    assert f'action="/admin/organizers/{organizer.id}/deactivate"' in page


def test_invite_flow_end_to_end(
    app: Flask, admin_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, page = invite(admin_client, "New.Person@Example.org")
    assert status == 200
    match = LINK.search(page)
    assert match, "the invitation link is on the page"
    token = match.group(2)
    assert len(token) >= 40

    # Only the hash is stored; the token appears in no column and no log line.
    (stored,) = invites()
    assert stored.email == "new.person@example.org"
    assert stored.token_hash == hash_token(token)
    assert token not in repr([getattr(stored, c.key) for c in Invite.__table__.columns])
    assert stored.expires_at == DEFAULT_NOW + timedelta(days=7)
    assert token not in caplog.text

    # The link is shown once: the next visit lists the invitation without it.
    again = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert "new.person@example.org" in again
    assert token not in again

    newcomer = app.test_client()
    assert accept(newcomer, token) == 303
    assert newcomer.get("/organize/").status_code == 200  # signed in
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user is not None
    assert (user.display_name, user.role, user.is_active) == ("New Organizer", Role.ORGANIZER, True)
    assert token not in caplog.text

    # The same link a second time fails and creates nothing.
    assert accept(app.test_client(), token, name="Second") == 422
    assert db.session.scalar(select(User).where(User.display_name == "Second")) is None
    assert (
        "new.person@example.org"
        not in admin_client.get("/admin/organizers")
        .get_data(as_text=True)
        .split("Open invitations", 1)[1]
        .split("Accounts", 1)[0]
    )


def test_expired_invitation_fails(app: Flask, admin_client: FlaskClient) -> None:
    _status, page = invite(admin_client, "late@example.org")
    match = LINK.search(page)
    assert match
    clock.freeze(DEFAULT_NOW + timedelta(days=8))
    late = app.test_client()
    assert accept(late, match.group(2)) == 422
    assert db.session.scalar(select(User).where(User.email == "late@example.org")) is None
    assert "late@example.org" not in admin_client.get("/admin/organizers").get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("not-an-email", "Enter an e-mail address"),
        ("", "This field is required"),
        ("omid@example.org", "An account with this e-mail already exists."),
        ("a" * 250 + "@example.org", "Field cannot be longer than 254 characters."),
    ],
)
def test_bad_invitation_email_is_422_inline(
    admin_client: FlaskClient, organizer: User, email: str, error: str
) -> None:
    status, page = invite(admin_client, email)
    assert status == 422
    assert error in page
    assert 'aria-invalid="true"' in page
    assert not LINK.search(page)
    assert invites() == []
    if email:
        assert f'value="{email}"' in page  # what was typed is kept


def test_invite_without_csrf_is_400(admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/organizers/invite", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert invites() == []


def test_deactivate_ends_sessions_and_reactivate_restores(
    app: Flask, admin_client: FlaskClient, organizer_client: FlaskClient, organizer: User
) -> None:
    assert organizer_client.get("/organize/").status_code == 200
    token = csrf_token(admin_client, "/admin/organizers")
    response = admin_client.post(
        f"/admin/organizers/{organizer.id}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/organizers"
    db.session.refresh(organizer)
    assert organizer.is_active is False

    # The organizer's existing session is over, and signing in again fails.
    response = organizer_client.get("/organize/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert login(app.test_client(), organizer.email, PASSWORD).status_code == 422
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert f'action="/admin/organizers/{organizer.id}/reactivate"' in page

    response = admin_client.post(
        f"/admin/organizers/{organizer.id}/reactivate", data={"csrf_token": token}
    )
    assert response.status_code == 303
    db.session.refresh(organizer)
    assert organizer.is_active is True
    assert login(app.test_client(), organizer.email, PASSWORD).status_code == 303


def test_admin_cannot_deactivate_themselves(admin_client: FlaskClient, admin: User) -> None:
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert f"/admin/organizers/{admin.id}/deactivate" not in page
    token = csrf_token(admin_client, "/admin/organizers")
    response = admin_client.post(
        f"/admin/organizers/{admin.id}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_active
    assert admin_client.get("/admin/organizers").status_code == 200


@pytest.mark.parametrize("action", ["deactivate", "reactivate"])
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_account_actions_without_valid_csrf_are_400(
    admin_client: FlaskClient, organizer: User, action: str, token: str | None
) -> None:
    if action == "reactivate":
        organizer.is_active = False
        db.session.commit()
    before = (organizer.is_active, organizer.session_token)
    data = {"csrf_token": token} if token else {}
    response = admin_client.post(f"/admin/organizers/{organizer.id}/{action}", data=data)
    assert response.status_code == 400
    db.session.refresh(organizer)
    assert (organizer.is_active, organizer.session_token) == before


def _open_invitations(client: FlaskClient) -> str:
    page = client.get("/admin/organizers").get_data(as_text=True)
    return page.split("Open invitations", 1)[1].split("Accounts", 1)[0]


def test_admin_revokes_an_invitation_and_its_link_stops_working(
    app: Flask, admin_client: FlaskClient
) -> None:
    _status, page = invite(admin_client, "revoked@example.org")
    match = LINK.search(page)
    assert match
    (stored,) = invites()
    invite_id = stored.id
    listed = _open_invitations(admin_client)
    assert "revoked@example.org" in listed
    assert f'action="/admin/organizers/invites/{invite_id}/revoke"' in listed

    token = csrf_token(admin_client, "/admin/organizers")
    response = admin_client.post(
        f"/admin/organizers/invites/{invite_id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/organizers"
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert "The invitation is revoked: its link no longer works." in page
    assert "revoked@example.org" not in _open_invitations(admin_client)
    assert invites() == []

    assert accept(app.test_client(), match.group(2)) == 422
    assert db.session.scalar(select(User).where(User.email == "revoked@example.org")) is None
    again = admin_client.post(
        f"/admin/organizers/invites/{invite_id}/revoke", data={"csrf_token": token}
    )
    assert again.status_code == 404


def test_an_accepted_invitation_cannot_be_revoked(app: Flask, admin_client: FlaskClient) -> None:
    _status, page = invite(admin_client, "taken@example.org")
    match = LINK.search(page)
    assert match
    assert accept(app.test_client(), match.group(2)) == 303
    (stored,) = invites()
    token = csrf_token(admin_client, "/admin/organizers")
    response = admin_client.post(
        f"/admin/organizers/invites/{stored.id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert "This invitation was already accepted." in response.get_data(as_text=True)
    assert invites() == [stored]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_revoking_without_valid_csrf_is_400(admin_client: FlaskClient, token: str | None) -> None:
    invite(admin_client, "kept@example.org")
    (stored,) = invites()
    data = {"csrf_token": token} if token else {}
    response = admin_client.post(f"/admin/organizers/invites/{stored.id}/revoke", data=data)
    assert response.status_code == 400
    assert invites() == [stored]


def test_organizers_cannot_revoke_invitations(
    admin_client: FlaskClient, organizer_client: FlaskClient
) -> None:
    invite(admin_client, "kept@example.org")
    (stored,) = invites()
    token = csrf_token(organizer_client, "/organize/")
    response = organizer_client.post(
        f"/admin/organizers/invites/{stored.id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert invites() == [stored]


def test_invitation_link_is_a_share_field(admin_client: FlaskClient) -> None:
    _status, page = invite(admin_client, "copy@example.org")
    field = re.search(r'<input id="invite-link"[^>]*>', page)
    assert field is not None
    assert "readonly" in field.group(0)
    assert LINK.search(field.group(0))
    assert '<label for="invite-link">' in page
    assert 'class="share-native"' in page  # sent on over a private channel: Share… helps
    assert "js/share.js" in page
    assert "js/share.js" not in admin_client.get("/admin/organizers").get_data(as_text=True)
