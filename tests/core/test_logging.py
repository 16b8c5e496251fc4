"""No personal data in logs or in the rate limiter's storage (security.md decision 11, T49, T31)."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text

from app.extensions import db, limiter
from app.models import User
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, csrf_token
from tests.factories import make_user

CANARY_EMAIL = "canary-7f3a@example.org"
CANARY_NAME = "Canary Name 7f3a"
CANARY_IP = "203.0.113.77"
CANARY_PASSWORD = "canary password 7f3a wrong one"
CANARY_GOOD_PASSWORD = "canary password 7f3a right one"
CANARIES = (CANARY_EMAIL, "canary-7f3a", CANARY_NAME, CANARY_IP, "canary password 7f3a")
_DOTTED_QUAD = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def _limiter_storage_text() -> str:
    """Every key (and, for Redis, value) the rate limiter holds, as one string."""
    if TEST_REDIS_URL:
        import redis

        client = redis.Redis.from_url(TEST_REDIS_URL)
        parts = []
        for key in client.scan_iter():
            parts.append(key.decode(errors="replace"))
            if client.type(key) == b"list":
                parts += [v.decode(errors="replace") for v in client.lrange(key, 0, -1)]
        return "\n".join(parts)
    storage = limiter.storage
    keys = [*getattr(storage, "events", {}), *getattr(storage, "storage", {})]
    return "\n".join(str(key) for key in keys)


@pytest.mark.parametrize(
    "app_overrides", [{"TRUSTED_PROXIES": 0}, {"TRUSTED_PROXIES": 1}], ids=["direct", "proxied"]
)
def test_sign_in_leaves_no_canary_in_logs(
    app: Flask, runner: FlaskCliRunner, app_logs: pytest.LogCaptureFixture
) -> None:
    result = runner.invoke(
        args=["users", "create", CANARY_EMAIL, "--name", CANARY_NAME],
        input=f"{CANARY_GOOD_PASSWORD}\n{CANARY_GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output

    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=CANARY_IP, HTTP_X_FORWARDED_FOR=CANARY_IP)
    statuses = []
    # Five failures, then this client waits on this account (app.auth.throttle); the
    # 11th attempt meets the limiter's own per-client limit, which logs too.
    for password in [CANARY_PASSWORD] * 6 + [CANARY_GOOD_PASSWORD] * 5:
        response = client.post(
            "/auth/login",
            data={"email": CANARY_EMAIL, "password": password, "csrf_token": csrf_token(client)},
        )
        statuses.append(response.status_code)
    assert statuses == [422] * 5 + [429] * 6

    assert app_logs.records, "nothing was logged: the check below would prove nothing"
    assert any(r.name.startswith("app.") for r in app_logs.records)
    assert any(r.name == "flask-limiter" for r in app_logs.records)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    leaks = [
        (record.name, canary)
        for record in app_logs.records
        for canary in CANARIES
        if canary in formatter.format(record) or canary in repr(record.args)
    ]
    assert leaks == []


def test_limiter_storage_holds_no_address_or_email(app: Flask) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CANARY_IP
    for _attempt in range(3):
        client.post(
            "/auth/login",
            data={
                "email": CANARY_EMAIL,
                "password": CANARY_PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
    stored = _limiter_storage_text()
    assert "login" in stored, "the limiter stored nothing: the check below would prove nothing"
    assert CANARY_IP not in stored
    assert not _DOTTED_QUAD.search(stored)
    assert "canary-7f3a" not in stored
    assert "example.org" not in stored


@pytest.fixture
def failing_query_app(app: Flask) -> Flask:
    """The test app with a route whose database write fails on a canary value."""

    def duplicate() -> str:
        for _copy in range(2):
            db.session.add(User(email=CANARY_EMAIL, display_name=CANARY_NAME, role="organizer"))
        db.session.flush()
        return "unreachable"

    app.add_url_rule("/__test__/duplicate", "duplicate", duplicate)
    return app


def test_database_errors_are_logged_without_their_parameters(
    failing_query_app: Flask, app_logs: pytest.LogCaptureFixture
) -> None:
    """SQLAlchemy puts bound values in its exception text; the traceback is logged."""
    response = failing_query_app.test_client().get("/__test__/duplicate")
    assert response.status_code == 500
    logged = "\n".join(
        logging.Formatter("%(message)s").format(record) for record in app_logs.records
    )
    assert "IntegrityError" in logged, "no traceback was logged: the check would prove nothing"
    assert CANARY_EMAIL not in logged
    assert CANARY_NAME not in logged


def _unhandled_lines(app_logs: pytest.LogCaptureFixture) -> list[str]:
    """The first line of each "unhandled" error record (the rest is the stack)."""
    messages = (record.getMessage() for record in app_logs.records if record.name == "app.errors")
    return [message.splitlines()[0] for message in messages if message.startswith("unhandled")]


def test_database_errors_are_logged_with_the_drivers_code(
    failing_query_app: Flask, app_logs: pytest.LogCaptureFixture
) -> None:
    """An operator tells a broken constraint or a locked database from a bug by the code."""
    response = failing_query_app.test_client().get("/__test__/duplicate")
    assert response.status_code == 500
    if db.engine.dialect.name == "sqlite":
        expected = "unhandled IntegrityError (sqlite3.IntegrityError SQLITE_CONSTRAINT_UNIQUE)"
    else:
        expected = "unhandled IntegrityError (psycopg.errors.UniqueViolation SQLSTATE 23505)"
    assert _unhandled_lines(app_logs) == [expected]


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's write lock")
def test_a_locked_sqlite_database_is_named_in_the_log(
    app: Flask, app_logs: pytest.LogCaptureFixture
) -> None:
    def write() -> str:
        # No waiting for the lock, so the request fails at once instead of in 15 s.
        db.session.execute(text("PRAGMA busy_timeout=0"))
        db.session.execute(text("UPDATE users SET display_name = :name"), {"name": CANARY_NAME})
        return "unreachable"

    app.add_url_rule("/__test__/write", "write", write)
    make_user()
    holder = sqlite3.connect(db.engine.url.database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing
        response = app.test_client().get("/__test__/write")
    finally:
        holder.close()
    assert response.status_code == 500
    assert _unhandled_lines(app_logs) == [
        "unhandled OperationalError (sqlite3.OperationalError SQLITE_BUSY)"
    ]
    assert CANARY_NAME not in app_logs.text
