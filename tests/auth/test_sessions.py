"""Sessions: cookie flags, rotation, revocation and timeouts (security.md decision 8, T22–T25)."""

from __future__ import annotations

from datetime import timedelta

import itsdangerous
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import clock
from app.auth.services import set_active
from app.extensions import db
from tests.auth.signin import (
    SESSION_COOKIE,
    is_signed_in,
    logout,
    post_login,
    session_cookie,
)
from tests.conftest import DEFAULT_NOW, csrf_token
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a completely different passphrase"


def _copy_session(source: FlaskClient, target: FlaskClient) -> None:
    target.set_cookie(SESSION_COOKIE, session_cookie(source))


def _signed_in_client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert post_login(client, email, PASSWORD).status_code == 303
    return client


def test_login_cookie_has_the_required_flags(client: FlaskClient) -> None:
    user = make_user()
    response = post_login(client, user.email, PASSWORD)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-")]
    assert len(cookies) == 1
    attributes = [part.strip() for part in cookies[0].split(";")]
    lowered = [part.lower() for part in attributes]
    assert "secure" in lowered
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered
    assert not any(part.startswith("domain=") for part in lowered)
    # At most the 30-minute idle limit, never Flask's 31 days.
    assert all("max-age" not in part or int(part.split("=")[1]) <= 1800 for part in lowered)


def test_html_responses_vary_on_cookie(client: FlaskClient) -> None:
    assert "Cookie" in client.get("/auth/login").headers.get("Vary", "")


def test_login_starts_a_new_session(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    client.get("/auth/login")
    before = session_cookie(client)
    post_login(client, user.email, PASSWORD)
    after = session_cookie(client)
    assert before != after

    # Replaying the pre-login cookie (session fixation) gives an anonymous visitor.
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, before)
    assert not is_signed_in(replay)


def test_copied_cookie_stops_working_after_logout(app: Flask) -> None:
    user = make_user()
    original = _signed_in_client(app, user.email)
    thief = app.test_client()
    _copy_session(original, thief)
    assert is_signed_in(thief)

    response = logout(original)
    assert response.status_code == 303
    assert not is_signed_in(original)
    assert not is_signed_in(thief)
    response = thief.get("/organize/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_logout_ends_every_session_of_the_account(app: Flask) -> None:
    user = make_user()
    laptop = _signed_in_client(app, user.email)
    phone = _signed_in_client(app, user.email)
    logout(laptop)
    assert not is_signed_in(phone)


def test_logout_leaves_other_accounts_signed_in(app: Flask) -> None:
    alice, bob = make_user(), make_user()
    alice_client = _signed_in_client(app, alice.email)
    bob_client = _signed_in_client(app, bob.email)
    logout(alice_client)
    assert is_signed_in(bob_client)


def test_logout_needs_a_csrf_token_and_a_post(app: Flask) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/logout").status_code == 405
    foreign_token = csrf_token(app.test_client(), "/auth/login")
    assert client.post("/auth/logout", data={"csrf_token": foreign_token}).status_code == 400
    assert is_signed_in(client)


def test_password_change_from_the_cli_ends_sessions(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    copy = app.test_client()
    _copy_session(client, copy)
    result = runner.invoke(
        args=["users", "set-password", user.email], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert not is_signed_in(client)
    assert not is_signed_in(copy)
    assert post_login(client, user.email, PASSWORD).status_code == 422
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 303


def test_deactivation_from_the_cli_ends_sessions(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    result = runner.invoke(args=["users", "deactivate", user.email])
    assert result.exit_code == 0, result.output
    assert not is_signed_in(client)
    assert post_login(client, user.email, PASSWORD).status_code == 422


def test_reactivated_account_does_not_revive_old_cookies(app: Flask) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    set_active(user, active=False)
    db.session.commit()
    set_active(user, active=True)
    db.session.commit()
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "user_id",
    [
        "{id}",  # the bare id Flask-Login would store without our session token
        "{id}:" + "0" * 32,
        "{id}:",
        "99999999999999999999:" + "0" * 32,
        "-1:x",
        "",
    ],
)
def test_forged_session_identity_is_anonymous(app: Flask, user_id: str) -> None:
    """Even with the secret key, a session needs the account's current random token."""
    user = make_user()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id.format(id=user.id)
        session["auth_at"] = DEFAULT_NOW.timestamp()
    assert not is_signed_in(client)


@pytest.fixture
def cookie_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the session cookie's signature timestamp follow ``app.clock``.

    Measured: the 30-minute idle limit is enforced by Flask's cookie signature
    (itsdangerous checks the signature's age against PERMANENT_SESSION_LIFETIME
    with the real ``time.time()``), so freezing app.clock alone does not move
    it; the 12-hour limit is ours and reads app.clock. Driving both from the
    frozen clock tests the two mechanisms together as they behave in production.
    """
    monkeypatch.setattr(
        itsdangerous.TimestampSigner,
        "get_timestamp",
        lambda _signer: int(clock.now_utc().timestamp()),
    )


def _at(minutes: int) -> None:
    clock.freeze(DEFAULT_NOW + timedelta(minutes=minutes))


def test_idle_session_ends_after_30_minutes(app: Flask, cookie_clock: None) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    copy = app.test_client()
    _copy_session(client, copy)
    _at(29)
    assert is_signed_in(client)  # activity renews the cookie...
    _at(29 + 31)
    assert not is_signed_in(client)  # ...and 31 idle minutes end it
    assert not is_signed_in(copy)


def test_idle_limit_is_not_measured_by_the_test_clock_alone(app: Flask) -> None:
    """Documents the mechanism: without ``cookie_clock`` the signature uses real time."""
    user = make_user()
    client = _signed_in_client(app, user.email)
    _at(31)
    assert is_signed_in(client)


def test_active_session_ends_12_hours_after_login(app: Flask, cookie_clock: None) -> None:
    user = make_user()
    client = _signed_in_client(app, user.email)
    minutes = 0
    while minutes + 20 <= 12 * 60:
        minutes += 20
        _at(minutes)
        assert is_signed_in(client), f"signed out after {minutes} minutes of activity"
    _at(minutes + 20)  # 12 h 20 min after login, 20 min after the last request
    assert not is_signed_in(client)
    assert post_login(client, user.email, PASSWORD).status_code == 303


def test_absolute_limit_reads_the_application_clock(app: Flask) -> None:
    """The 12-hour check uses app.clock only, so it holds even if the cookie is fresh."""
    user = make_user()
    client = _signed_in_client(app, user.email)
    _at(12 * 60 - 1)
    assert is_signed_in(client)
    _at(12 * 60 + 1)
    assert not is_signed_in(client)
