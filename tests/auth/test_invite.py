"""Accepting an invitation at /auth/invite (the code travels in the URL fragment)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app import clock
from app.auth.services import create_invite
from app.extensions import db
from app.models import Invite, Role, User
from tests.auth.signin import is_signed_in
from tests.conftest import DEFAULT_NOW, csrf_token
from tests.factories import PASSWORD, make_admin, make_user


def _invite(email: str = "invited@example.org") -> str:
    admin = make_admin()
    _invite, token = create_invite(email=email, created_by=admin)
    db.session.commit()
    return token


def _accept(client: FlaskClient, code: str, **changes: str) -> TestResponse:
    data = {
        "token": code,
        "display_name": "Vigil Köln",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "csrf_token": csrf_token(client, "/auth/invite"),
    }
    data.update(changes)
    return client.post("/auth/invite", data=data)


def _accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_invitation_creates_a_signed_in_organizer_once(client: FlaskClient) -> None:
    token = _invite()
    response = _accept(client, token)
    assert response.status_code == 303
    assert response.headers["Location"] == "/organize/"
    assert is_signed_in(client)
    user = db.session.scalar(select(User).where(User.email == "invited@example.org"))
    assert user is not None
    assert user.role == Role.ORGANIZER
    assert user.display_name == "Vigil Köln"
    invite = db.session.scalar(select(Invite))
    assert invite is not None
    assert invite.used_at == DEFAULT_NOW
    assert token not in (invite.token_hash or "")

    second = _accept(client.application.test_client(), token, display_name="Someone else")
    assert second.status_code == 422
    assert _accounts() == 2  # the admin and the invited organizer


def test_expired_invitation_is_refused(client: FlaskClient) -> None:
    token = _invite()
    clock.freeze(DEFAULT_NOW + timedelta(days=7, seconds=1))
    response = _accept(client, token)
    assert response.status_code == 422
    assert "unknown, used or expired" in response.get_data(as_text=True)
    assert _accounts() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"token": "not-a-real-code"}, "token"),
        ({"token": "x" * 101}, "token"),
        ({"password": "too short", "confirm": "too short"}, "password"),
        ({"confirm": "something else entirely"}, "confirm"),
        ({"display_name": "evil\u202ename"}, "display_name"),
        ({"display_name": "nul\x00name"}, "display_name"),
    ],
)
def test_bad_input_is_refused_and_the_invitation_kept(
    client: FlaskClient, changes: dict[str, str], field: str
) -> None:
    token = _invite()
    response = _accept(client, token, **changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _accounts() == 1
    assert not is_signed_in(client)
    assert _accept(client, token).status_code == 303


def test_invitation_for_a_taken_email_is_refused(client: FlaskClient) -> None:
    token = _invite("taken@example.org")
    make_user(email="taken@example.org")
    response = _accept(client, token)
    assert response.status_code == 422
    assert _accounts() == 2
