"""Two-step sign-in (TOTP): enrolment, the second step, replay, recovery codes, turning it
off, the accounts that must have it, limits and the reset command."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import RecoveryCode, Role, User
from tests.auth.signin import is_signed_in, logout, post_login
from tests.conftest import DEFAULT_NOW, csrf_token, signed_in
from tests.factories import PASSWORD

ON = {"REQUIRE_2FA": True}
ENROL = "/organize/account/2fa"
OFF = "/organize/account/2fa/off"
CODE_STEP = "/auth/login/code"
_KEY = re.compile(r'id="totp-key">([A-Z2-7 ]+)</code>')
_RECOVERY = re.compile(r"<li><code>([a-z2-7-]+)</code></li>")


def _at(seconds: int) -> None:
    """Freeze the clock ``seconds`` after the tests' default instant."""
    clock.freeze(DEFAULT_NOW + timedelta(seconds=seconds))


def _code(key: str) -> str:
    return pyotp.TOTP(key).at(clock.now_utc())


def _shown_key(client: FlaskClient) -> str:
    page = client.get(ENROL)
    assert page.status_code == 200
    match = _KEY.search(page.get_data(as_text=True))
    assert match, "no key on the enrolment page"
    return match.group(1).replace(" ", "")


def _post(client: FlaskClient, url: str, code: str, form_url: str | None = None) -> Any:
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"code": code, "csrf_token": token})


def _enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Set up two-step sign-in for the signed-in account: its key and recovery codes."""
    key = _shown_key(client)
    response = _post(client, ENROL, _code(key))
    assert response.status_code == 200
    codes = _RECOVERY.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return key, codes


def _user(user_id: int) -> User:
    db.session.rollback()  # see what the requests wrote
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _enrolled(client: FlaskClient, **overrides: Any) -> tuple[User, str, list[str]]:
    """A signed-in account with two-step sign-in, signed out again, 30 s later."""
    user = signed_in(client, **overrides)
    key, codes = _enrol(client)
    assert logout(client).status_code == 303
    _at(30)
    return user, key, codes


@pytest.mark.parametrize("app_overrides", [ON])
def test_enrolment_shows_inline_svg_and_key_and_needs_a_first_code(client: FlaskClient) -> None:
    user = signed_in(client)
    page = client.get(ENROL).get_data(as_text=True)
    assert '<svg viewBox="' in page
    assert "<img" not in page.split("<main", 1)[1]
    key = _shown_key(client)
    assert _shown_key(client) == key  # a reload keeps the key an app may have scanned
    assert key not in (_user(user.id).totp_secret or "")  # stored encrypted

    response = _post(client, ENROL, "000000" if _code(key) != "000000" else "111111")
    assert response.status_code == 422
    assert "This code is wrong" in response.get_data(as_text=True)
    assert not _user(user.id).has_second_factor

    _enrol(client)
    assert _user(user.id).has_second_factor
    stored = db.session.scalar(select(func.count()).select_from(RecoveryCode))
    assert stored == 10
    # Shown once: the page now offers turning it off, not the codes or the key.
    page = client.get(ENROL).get_data(as_text=True)
    assert "Turn off two-step sign-in" in page
    assert 'id="totp-key"' not in page


@pytest.mark.parametrize("app_overrides", [ON])
def test_sign_in_asks_for_the_code_after_the_password(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    response = post_login(client, user.email, PASSWORD, query={"next": "/organize/account/"})
    assert response.status_code == 303
    assert response.headers["Location"] == CODE_STEP
    assert not is_signed_in(client)
    assert client.get("/organize/").status_code == 302  # nothing behind the sign-in yet

    assert _post(client, CODE_STEP, "12345x").status_code == 422
    response = _post(client, CODE_STEP, _code(key))
    assert response.status_code == 303
    assert response.headers["Location"] == "/organize/account/"
    assert is_signed_in(client)


@pytest.mark.parametrize("app_overrides", [ON])
def test_a_code_is_accepted_once(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    code = _code(key)
    post_login(client, user.email, PASSWORD)
    assert _post(client, CODE_STEP, code).status_code == 303
    logout(client)
    post_login(client, user.email, PASSWORD)
    response = _post(client, CODE_STEP, code)
    assert response.status_code == 422
    assert "used already" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    _at(60)  # the next code works
    post_login(client, user.email, PASSWORD)
    assert _post(client, CODE_STEP, _code(key)).status_code == 303


@pytest.mark.parametrize("app_overrides", [ON])
def test_a_recovery_code_works_once(client: FlaskClient) -> None:
    user, _key, codes = _enrolled(client)
    post_login(client, user.email, PASSWORD)
    response = _post(client, CODE_STEP, codes[3].upper().replace("-", " "))
    assert response.status_code == 303
    assert "9 are left" in client.get("/organize/").get_data(as_text=True)
    logout(client)
    post_login(client, user.email, PASSWORD)
    assert _post(client, CODE_STEP, codes[3]).status_code == 422
    assert not is_signed_in(client)


@pytest.mark.parametrize("app_overrides", [ON])
def test_the_second_step_expires_and_needs_the_password_first(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    assert client.get(CODE_STEP).headers["Location"] == "/auth/login"
    post_login(client, user.email, PASSWORD)
    _at(30 + 301)
    response = _post(client, CODE_STEP, _code(key), form_url="/auth/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    assert not is_signed_in(client)


@pytest.mark.parametrize("app_overrides", [ON])
def test_turning_it_off_needs_a_current_code(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    post_login(client, user.email, PASSWORD)
    _post(client, CODE_STEP, _code(key))
    response = _post(client, OFF, "000000" if _code(key) != "000000" else "111111", ENROL)
    assert response.status_code == 422
    assert _user(user.id).has_second_factor
    _at(60)
    response = _post(client, OFF, _code(key), ENROL)
    assert response.status_code == 303
    assert not _user(user.id).has_second_factor
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


@pytest.mark.parametrize("app_overrides", [ON])
def test_admin_without_second_factor_can_only_enrol(client: FlaskClient) -> None:
    signed_in(client, role=Role.ADMIN)
    for path in ("/organize/", "/admin/organizers", "/organize/account/"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == ENROL
    page = client.get(ENROL).get_data(as_text=True)
    assert "needs two-step sign-in" in page
    _enrol(client)
    assert client.get("/admin/organizers").status_code == 200


@pytest.mark.parametrize("app_overrides", [ON])
@pytest.mark.parametrize(
    ("overrides", "paths"),
    [
        ({"is_reviewer": True}, ("/admin/proposals",)),
        ({"role": Role.ADMIN}, ("/admin/proposals", "/admin/audit/")),
    ],
    ids=["reviewer", "admin"],
)
def test_the_review_queue_and_audit_log_also_wait_for_enrolment(
    client: FlaskClient, overrides: dict[str, Any], paths: tuple[str, ...]
) -> None:
    """Every page behind the sign-in, not only /organize and /admin/organizers: a
    password alone must not open the review queue (approve, reject) or the audit log."""
    signed_in(client, **overrides)
    token = csrf_token(client, ENROL)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == ENROL
    response = client.post("/admin/proposals/1/approve", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == ENROL
    _enrol(client)
    for path in paths:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("app_overrides", [ON])
def test_organizers_need_not_enrol(client: FlaskClient) -> None:
    signed_in(client)
    assert client.get("/organize/").status_code == 200


@pytest.mark.parametrize("app_overrides", [{"REQUIRE_2FA": False}])
def test_admins_need_not_enrol_when_not_required(client: FlaskClient) -> None:
    signed_in(client, role=Role.ADMIN)
    assert client.get("/admin/organizers").status_code == 200


@pytest.mark.parametrize("app_overrides", [{**ON, "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_the_second_step_is_rate_limited(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    post_login(client, user.email, PASSWORD)
    token = csrf_token(client, CODE_STEP)
    for _attempt in range(3):
        response = client.post(CODE_STEP, data={"code": "99999x", "csrf_token": token})
        assert response.status_code == 422
    response = client.post(CODE_STEP, data={"code": _code(key), "csrf_token": token})
    assert response.status_code == 429


@pytest.mark.parametrize(
    "app_overrides", [{**ON, "LOGIN_ACCOUNT_RATE_LIMIT": "2 per minute", "LOGIN_DELAY_AFTER": 100}]
)
def test_wrong_codes_count_as_failed_sign_ins_of_the_account(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    post_login(client, user.email, PASSWORD)
    for _attempt in range(2):
        assert _post(client, CODE_STEP, "99999x").status_code == 422
    response = _post(client, CODE_STEP, _code(key))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("app_overrides", [ON])
def test_posts_without_csrf_token_are_refused(client: FlaskClient) -> None:
    user, key, _codes = _enrolled(client)
    post_login(client, user.email, PASSWORD)
    assert client.post(CODE_STEP, data={"code": _code(key)}).status_code == 400
    assert not is_signed_in(client)
    post_login(client, user.email, PASSWORD)
    _post(client, CODE_STEP, _code(key))
    _at(60)
    assert client.post(OFF, data={"code": _code(key)}).status_code == 400
    assert _user(user.id).has_second_factor


@pytest.mark.parametrize("app_overrides", [ON])
def test_reset_2fa_command(client: FlaskClient, runner: FlaskCliRunner) -> None:
    user, _key, _codes = _enrolled(client, role=Role.ADMIN)
    result = runner.invoke(args=["users", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert not _user(user.id).has_second_factor
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    # Signing in again: password only, then straight to setting it up.
    assert post_login(client, user.email, PASSWORD).headers["Location"] == "/organize/"
    assert client.get("/admin/organizers").headers["Location"] == ENROL

    result = runner.invoke(args=["users", "reset-2fa", "nobody@example.org"])
    assert result.exit_code != 0
    assert "No account" in result.output
