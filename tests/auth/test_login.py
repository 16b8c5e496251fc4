"""Signing in: answers, redirects, passwords, throttling (security.md T12–T13, T27–T30)."""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from app.auth import passwords
from app.auth.services import create_user, set_active
from app.extensions import db
from app.models import User
from tests.auth.signin import comparable_body, is_signed_in, post_login
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user

DASHBOARD = "/organize/"
WRONG = "not the right password at all"
WRONG_PASSWORD_MESSAGE = "The e-mail or the password is wrong."


class CountingHasher:
    """Wraps the Argon2 hasher and counts the expensive calls."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def hash(self, password: str) -> str:
        self.calls.append("hash")
        return self.inner.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        self.calls.append("verify")
        return self.inner.verify(stored, password)

    def check_needs_rehash(self, stored: str) -> bool:
        return self.inner.check_needs_rehash(stored)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    passwords._dummy_hash()  # made once per process; not what these tests count
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def test_login_redirects_to_dashboard(client: FlaskClient) -> None:
    user = make_user()
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == DASHBOARD
    assert is_signed_in(client)


def test_email_is_matched_without_case_or_spaces(client: FlaskClient) -> None:
    make_user(email="mina@example.org")
    response = post_login(client, "  Mina@Example.ORG ", PASSWORD)
    assert response.status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient) -> None:
    user = make_user(email="known@example.org")
    wrong_password = post_login(client, user.email, WRONG)
    unknown_email = post_login(client, "unknown@example.org", WRONG)
    assert wrong_password.status_code == unknown_email.status_code == 422
    wrong_html = wrong_password.get_data(as_text=True)
    unknown_html = unknown_email.get_data(as_text=True)
    assert WRONG_PASSWORD_MESSAGE in wrong_html
    assert comparable_body(wrong_html, user.email) == comparable_body(
        unknown_html, "unknown@example.org"
    )
    assert not is_signed_in(client)


@pytest.mark.parametrize("password", [PASSWORD, WRONG])
def test_deactivated_account_cannot_log_in(client: FlaskClient, password: str) -> None:
    user = make_user()
    set_active(user, active=False)
    db.session.commit()
    response = post_login(client, user.email, password)
    assert response.status_code == 422
    assert WRONG_PASSWORD_MESSAGE in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_account_without_password_cannot_log_in(client: FlaskClient) -> None:
    user = make_user(password=None)
    response = post_login(client, user.email, "")
    assert response.status_code == 422
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 422
    assert not is_signed_in(client)


def test_login_without_a_valid_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    client.get("/auth/login")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    foreign_token = csrf_token(app.test_client(), "/auth/login")
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": foreign_token},
    )
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_login_page_when_already_signed_in_goes_to_dashboard(client: FlaskClient) -> None:
    user = make_user()
    post_login(client, user.email, PASSWORD)
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD


# design/security.md T30, plus a few neighbours of each trick.
HOSTILE_NEXT = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "https:evil.example",
    "https:/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "///evil.example",
    " //evil.example",
    "\n//evil.example",
    "/\r\nLocation: https://evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    user = make_user()
    response = post_login(client, user.email, PASSWORD, query={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == DASHBOARD


def test_next_to_a_page_of_the_site_is_followed(client: FlaskClient) -> None:
    user = make_user()
    response = post_login(client, user.email, PASSWORD, query={"next": "/statement?x=1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/statement?x=1"


@pytest.mark.parametrize("length", [129, 10_000])
def test_overlong_password_is_refused_without_hashing(
    client: FlaskClient, hasher: CountingHasher, length: int
) -> None:
    user = make_user()
    hasher.calls.clear()
    response = post_login(client, user.email, "x" * length)
    assert response.status_code == 422
    assert hasher.calls == []
    assert not is_signed_in(client)


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_up_to_the_limit_work(client: FlaskClient, length: int) -> None:
    password = ("long passphrase " * 10)[:length]
    user = make_user(password=password)
    assert post_login(client, user.email, password).status_code == 303


def test_unknown_email_costs_one_argon2_verification_like_a_known_one(
    client: FlaskClient, hasher: CountingHasher
) -> None:
    user = make_user()
    hasher.calls.clear()
    post_login(client, user.email, WRONG)
    assert hasher.calls == ["verify"]
    hasher.calls.clear()
    post_login(client, "nobody@example.org", WRONG)
    assert hasher.calls == ["verify"]


def test_unknown_email_and_wrong_password_take_similar_time(
    app: Flask, client: FlaskClient
) -> None:
    # A loose bound that survives a busy machine; the exact guarantee is the call count above.
    app.config.update(
        LOGIN_RATE_LIMIT="1000 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="1000 per minute",
        LOGIN_DELAY_AFTER=1000,
    )
    user = make_user()
    known: list[float] = []
    unknown: list[float] = []
    for _round in range(6):
        for email, times in ((user.email, known), ("nobody@example.org", unknown)):
            started = time.perf_counter()
            post_login(client, email, WRONG)
            times.append(time.perf_counter() - started)
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, ratio


_ARGON2 = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def test_stored_hash_uses_argon2id_with_owasp_parameters(client: FlaskClient) -> None:
    # Through the service itself: factory accounts share a hash made once per test process.
    user = create_user(email="new@example.org", display_name="New", password=PASSWORD)
    db.session.commit()
    match = _ARGON2.match(user.password_hash or "")
    assert match, user.password_hash
    memory, time_cost, _parallelism = (int(g) for g in match.groups())
    assert memory >= 19456
    assert time_cost >= 2
    assert PASSWORD not in (user.password_hash or "")


def test_weak_hash_is_upgraded_at_login(client: FlaskClient) -> None:
    user = make_user()
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 303
    db.session.rollback()  # end the test's read snapshot (SQLite), see the request's write
    stored = db.session.get(User, user.id)
    assert stored is not None
    match = _ARGON2.match(stored.password_hash or "")
    assert match
    assert int(match.group(1)) >= 19456
    assert int(match.group(2)) >= 2


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) > 0
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html
    assert "per 1 minute" not in html  # the limiter's own text is not a message for people
    assert "text/html" in response.headers["Content-Type"]


def _use_up_client_limit(client: FlaskClient, forwarded_for: list[str] | None = None) -> None:
    """Ten wrong attempts, then the eleventh is refused; ``forwarded_for`` varies the header."""
    for n in range(11):
        if forwarded_for:
            client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for[n]
        # A different e-mail each time, so only the per-client limit applies.
        response = post_login(client, f"guess{n}@example.org", WRONG)
        if n < 10:
            assert response.status_code == 422, n
    _assert_throttled(response)


def test_eleventh_attempt_in_a_minute_from_one_client_is_throttled(
    app: Flask, client: FlaskClient
) -> None:
    _use_up_client_limit(client)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    user = make_user()
    assert post_login(other, user.email, PASSWORD).status_code == 303


def test_forwarded_for_does_not_dodge_the_limit_without_a_trusted_proxy(
    client: FlaskClient,
) -> None:
    _use_up_client_limit(client, [f"198.51.100.{n}" for n in range(11)])


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_clients_are_told_apart(app: Flask) -> None:
    first = app.test_client()
    _use_up_client_limit(first, ["198.51.100.1"] * 11)
    second = app.test_client()
    second.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    user = make_user()
    assert post_login(second, user.email, PASSWORD).status_code == 303


def test_account_limit_stops_the_failing_client_only(app: Flask, client: FlaskClient) -> None:
    # Per (account, client): the guesser is stopped on this account, even with the right
    # password; its other accounts and the owner on another client are not (tests/auth/
    # test_throttle.py has the attacks from many addresses).
    target = make_user()
    bystander = make_user()
    for _attempt in range(5):
        assert post_login(client, target.email, WRONG).status_code == 422
    _assert_throttled(post_login(client, target.email, WRONG))
    _assert_throttled(post_login(client, target.email.upper(), PASSWORD))
    assert not is_signed_in(client)
    assert post_login(client, bystander.email, PASSWORD).status_code == 303
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert post_login(owner, target.email, PASSWORD).status_code == 303


def test_account_limit_treats_unknown_emails_like_known_ones(client: FlaskClient) -> None:
    for _attempt in range(5):
        assert post_login(client, "nobody@example.org", WRONG).status_code == 422
    _assert_throttled(post_login(client, "nobody@example.org", WRONG))


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_ACCOUNT_RATE_LIMIT": "2 per minute", "LOGIN_DELAY_AFTER": 100}]
)
def test_account_limit_follows_configuration(client: FlaskClient) -> None:
    user = make_user()
    for _attempt in range(2):
        assert post_login(client, user.email, WRONG).status_code == 422
    _assert_throttled(post_login(client, user.email, PASSWORD))


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "3 per minute"}])
def test_client_limit_follows_configuration(client: FlaskClient) -> None:
    for n in range(3):
        assert post_login(client, f"guess{n}@example.org", WRONG).status_code == 422
    _assert_throttled(post_login(client, "guess3@example.org", WRONG))
