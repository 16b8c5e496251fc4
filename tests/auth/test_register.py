"""Open self-registration at /auth/register, only with VIGIL_OPEN_REGISTRATION=true."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import clock, mail
from app.extensions import db
from app.models import Role, User
from tests.auth.signin import is_signed_in
from tests.conftest import DEFAULT_NOW, csrf_token
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


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """The mails sent: (recipient, subject, body)."""
    messages: list[tuple[str, str, str]] = []
    monkeypatch.setattr(mail, "send_message", lambda *message: messages.append(message))
    return messages


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password Argon2 hashed, by any hasher."""
    passwords: list[str] = []
    real_hash = PasswordHasher.hash

    def spy(hasher: PasswordHasher, password: str | bytes, **kwargs: Any) -> str:
        passwords.append(str(password))
        return real_hash(hasher, password, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", spy)
    return passwords


def _confirm_link(body: str) -> str:
    match = re.search(r"http://localhost/auth/register/confirm#([A-Za-z0-9_.\-]+)", body)
    assert match, body
    return match.group(1)


def _confirm(client: FlaskClient, code: str) -> Any:
    token = csrf_token(client, "/auth/register/confirm")
    return client.post("/auth/register/confirm", data={"token": code, "csrf_token": token})


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
def test_open_registration_creates_a_signed_in_organizer_from_the_mailed_link(
    client: FlaskClient, sent: list[tuple[str, str, str]]
) -> None:
    assert 'href="/auth/register"' in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/register", data=_form(client, email=" New@Example.org"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/register/sent"
    assert "Check your e-mail" in client.get("/auth/register/sent").get_data(as_text=True)
    assert not is_signed_in(client)
    assert _user_count() == 0  # nothing until the address's owner follows the link
    ((recipient, subject, body),) = sent
    assert (recipient, subject) == ("new@example.org", "Your Vigil organizer account")
    assert PASSWORD not in body
    code = _confirm_link(body)
    page = client.get("/auth/register/confirm").get_data(as_text=True)
    assert "data-fragment-token" in page
    response = _confirm(client, code)
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
def test_a_taken_email_gets_the_same_answer_and_the_same_work(
    app: Flask, sent: list[tuple[str, str, str]], hashed: list[str]
) -> None:
    make_user(email="taken@example.org")
    hashed.clear()
    answers = []
    for email in ("free@example.org", "TAKEN@example.org"):
        client = app.test_client()
        response = client.post("/auth/register", data=_form(client, email=email))
        follow = client.get(response.headers["Location"])
        answers.append(
            (response.status_code, response.headers["Location"], response.get_data(), follow.data)
        )
        assert not is_signed_in(client)
    assert answers[0] == answers[1]
    # The password was hashed on both paths: the same Argon2 work, whatever the e-mail.
    assert hashed == [PASSWORD, PASSWORD]
    # Both addresses get a mail with the same subject; the owner of the taken one is
    # told to sign in, and no second account appears.
    assert [(recipient, subject) for recipient, subject, _body in sent] == [
        ("free@example.org", "Your Vigil organizer account"),
        ("taken@example.org", "Your Vigil organizer account"),
    ]
    assert "/auth/register/confirm" in sent[0][2]
    assert "/auth/register/confirm" not in sent[1][2]
    assert "http://localhost/auth/login" in sent[1][2]
    assert _user_count() == 1


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_a_confirmation_link_works_once(
    app: Flask, client: FlaskClient, sent: list[tuple[str, str, str]]
) -> None:
    client.post("/auth/register", data=_form(client))
    code = _confirm_link(sent[0][2])
    assert _confirm(client, code).status_code == 303
    again = _confirm(app.test_client(), code)
    assert again.status_code == 422
    assert "This link does not work" in again.get_data(as_text=True)
    assert _user_count() == 1


@pytest.mark.parametrize("app_overrides", [OPEN])
@pytest.mark.parametrize("change", ["forged", "expired"])
def test_a_forged_or_expired_confirmation_link_creates_nothing(
    client: FlaskClient, sent: list[tuple[str, str, str]], change: str
) -> None:
    client.post("/auth/register", data=_form(client))
    code = _confirm_link(sent[0][2])
    if change == "forged":
        code = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
    else:
        clock.freeze(DEFAULT_NOW + timedelta(days=2, seconds=1))
    response = _confirm(client, code)
    assert response.status_code == 422
    assert "This link does not work" in response.get_data(as_text=True)
    assert _user_count() == 0
    assert not is_signed_in(client)


@pytest.mark.parametrize("path", ["/auth/register/sent", "/auth/register/confirm"])
def test_the_registration_pages_are_absent_by_default(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("app_overrides", [OPEN])
def test_registration_needs_a_csrf_token(client: FlaskClient) -> None:
    client.get("/auth/register")
    response = client.post("/auth/register", data=_valid_without_token())
    assert response.status_code == 400
    assert _user_count() == 0


SITE_OVERRIDES = {**OPEN, "BASE_URL": "https://vigil.example.org", "WTF_CSRF_ENABLED": False}


@pytest.mark.parametrize("app_overrides", [SITE_OVERRIDES])
def test_registration_mails_link_to_the_base_url(
    app: Flask, sent: list[tuple[str, str, str]]
) -> None:
    # Plain HTTP on the site's own host, as behind a proxy that does not say it is HTTPS.
    make_user(email="taken@example.org")
    client = app.test_client()
    for email in ("free@example.org", "taken@example.org"):
        data = {**_valid_without_token(), "email": email}
        response = client.post("/auth/register", data=data, base_url="http://vigil.example.org")
        assert response.status_code == 303
    assert "https://vigil.example.org/auth/register/confirm#" in sent[0][2]
    assert "https://vigil.example.org/auth/login" in sent[1][2]
    assert "http://vigil.example.org" not in sent[0][2] + sent[1][2]
