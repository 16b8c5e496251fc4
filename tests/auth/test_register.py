"""Open self-registration at /auth/register, only with VIGIL_OPEN_REGISTRATION=true."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from tests.auth.signin import is_signed_in
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user

OPEN = {"OPEN_REGISTRATION": True}


def _form(client: FlaskClient, **changes: str) -> dict[str, str]:
    data = {
        "email": "new@example.org",
        "display_name": "Vigil Hamburg",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "accept": "y",
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    data.update(changes)
    return data


def _user_count() -> int:
    db.session.rollback()  # see what the request committed
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def _valid_without_token() -> dict[str, str]:
    return {
        "email": "new@example.org",
        "display_name": "Vigil Hamburg",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "accept": "y",
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_registration_is_absent_by_default(client: FlaskClient, method: str) -> None:
    token = csrf_token(client, "/auth/login")
    data: dict[str, Any] = {**_valid_without_token(), "csrf_token": token}
    response = client.open("/auth/register", method=method, data=data)
    assert response.status_code == 404
    assert _user_count() == 0
    assert "/auth/register" not in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_open_registration_creates_a_signed_in_organizer(client: FlaskClient) -> None:
    assert 'href="/auth/register"' in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/register", data=_form(client, email=" New@Example.org"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/organize/"
    assert is_signed_in(client)
    assert _user_count() == 1
    user = db.session.scalar(select(User))
    assert user is not None
    assert user.email == "new@example.org"
    assert user.role == Role.ORGANIZER
    assert user.display_name == "Vigil Hamburg"
    assert (user.password_hash or "").startswith("$argon2id$")


@pytest.mark.parametrize("app_overrides", [OPEN])
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "two@@example.org"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "too short", "confirm": "too short"}, "password"),
        ({"password": "x" * 129, "confirm": "x" * 129}, "password"),
        ({"confirm": PASSWORD + " but different"}, "confirm"),
        ({"display_name": "nul\x00name"}, "display_name"),
        ({"display_name": "evil\u202eeman"}, "display_name"),
        ({"display_name": "isolate\u2066x\u2069"}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"accept": ""}, "accept"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    client: FlaskClient, changes: dict[str, str], field: str
) -> None:
    response = client.post("/auth/register", data=_form(client, **changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _user_count() == 0
    assert not is_signed_in(client)


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_bad_input_is_shown_back_with_the_typed_email(client: FlaskClient) -> None:
    response = client.post("/auth/register", data=_form(client, password="short", confirm="short"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="new@example.org"' in html
    assert PASSWORD not in html


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_taken_email_is_refused(client: FlaskClient) -> None:
    make_user(email="new@example.org")
    response = client.post("/auth/register", data=_form(client, email="NEW@example.org"))
    assert response.status_code == 422
    assert _user_count() == 1
    assert not is_signed_in(client)


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_registration_needs_a_csrf_token(client: FlaskClient) -> None:
    client.get("/auth/register")
    response = client.post("/auth/register", data=_valid_without_token())
    assert response.status_code == 400
    assert _user_count() == 0
