"""Fixtures: an app on a freshly migrated database per test, a client, a CLI runner.

The suite runs on SQLite by default (a fresh database *file* per test: WAL and
BEGIN IMMEDIATE behave differently on ``:memory:``). With TEST_DATABASE_URL set
it runs on that PostgreSQL database instead; with TEST_REDIS_URL set the rate
limiter stores its counters in that Redis. If either server is unreachable the
tests fail: they never skip.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event

from app import clock, create_app
from app.extensions import db
from app.models import User
from tests.factories import PASSWORD, make_user

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
# Every test starts at this instant unless it freezes another one.
DEFAULT_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The ``app`` fixture keeps an app context pushed so tests can use
    ``db.session`` directly; Flask would reuse that context (and its ``g`` and
    database session) for every request. Each request therefore runs in an
    empty ``contextvars`` context. The test's own transaction is committed
    first, so the request sees the test's data and the test then reloads fresh
    rows.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for every app this test process creates.

    Each test creates its own app, and each app's Jinja environment would parse
    and compile every template it renders again: a quarter of the suite's time.
    Jinja checks a checksum of the source before it uses cached code, so an
    edited template is compiled afresh; every app here comes from create_app,
    with the same Jinja settings, so the compiled code is the same for all.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = SharedTemplateCode()


def make_app(database_url: str, **overrides: Any) -> Flask:
    """An app on ``database_url``; without a CACHE_DIR override, a new temporary one."""
    config: dict[str, Any] = {
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        # The cache beside the rate-limit counters: one database per test run to flush.
        "CACHE_REDIS_URL": TEST_REDIS_URL,
        "TESTING": True,
        # The test client's Host (Werkzeug's default), so its requests are for this site.
        "BASE_URL": "http://localhost",
        # Most tests sign admins in with a password only; tests/auth/test_twofactor.py
        # turns the second factor on.
        "REQUIRE_2FA": False,
    }
    config.update(overrides)
    if "CACHE_DIR" not in config:
        # Without Redis the page cache lives in files: one fresh folder per app.
        config["CACHE_DIR"] = tempfile.mkdtemp(prefix="vigil-cache-")
    app = create_app(config, environ={})
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    app.test_client_class = IsolatedClient
    return app


def _upgrade(database_url: str) -> None:
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated from empty with Alembic, once per test session.

    SQLite: a template file that each test copies. PostgreSQL: the schema
    itself, emptied after each test.
    """
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        _upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "vigil.db"
    _upgrade(f"sqlite:///{path}")
    return str(path)


def _empty_postgres(app: Flask) -> None:
    tables = ", ".join(table.name for table in reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _flush_redis() -> None:
    if TEST_REDIS_URL:
        import redis

        redis.Redis.from_url(TEST_REDIS_URL).flushdb()


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        return migrated_database
    path = tmp_path / "vigil.db"
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Config overrides for the ``app`` fixture; tests override this fixture."""
    return {}


@pytest.fixture
def app(database_url: str, app_overrides: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    _flush_redis()
    clock.freeze(DEFAULT_NOW)
    # The page cache's folder (without Redis) lives and goes with the test's other files.
    app = make_app(database_url, **{"CACHE_DIR": str(tmp_path / "cache"), **app_overrides})
    try:
        with app.app_context():
            yield app
            db.session.remove()
            if TEST_DATABASE_URL:
                _empty_postgres(app)
            db.engine.dispose()
    finally:
        clock.freeze(None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


_TOKEN_URL = re.compile(r'name="csrf_token" value="" data-token-url="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/auth/login") -> str:
    """A valid CSRF token for the client's session, read from a page with a form.

    A cached page's form (an event's RSVP form) names where its script fetches the
    token; it is fetched from there, as the script does.
    """
    page = client.get(url).get_data(as_text=True)
    match = _CSRF.search(page)
    if match:
        return match.group(1)
    source = _TOKEN_URL.search(page)
    assert source, f"no CSRF token on {url}"
    token: str = client.get(source.group(1)).get_json()["csrf_token"]
    return token


def login(client: FlaskClient, email: str, password: str) -> Any:
    """Sign in through the real form; returns the response."""
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


def signed_in(client: FlaskClient, **user_overrides: Any) -> User:
    """A new account (an organizer unless ``user_overrides`` say otherwise), signed in.

    ``user_overrides`` as for tests.factories.make_user; the sign-in goes through the real form.
    """
    user = make_user(**user_overrides)
    assert login(client, user.email, PASSWORD).status_code == 303
    return user


@pytest.fixture
def app_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record at DEBUG, including from loggers that were switched off.

    Alembic's logging set-up (migrations/env.py) could disable loggers that exist
    when the suite migrates its template database; without this, the app's
    records might never reach caplog and a "no PII in logs" test could not fail.
    """
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = [logger for logger in loggers if logger.disabled]
    for logger in disabled:
        logger.disabled = False
    caplog.set_level(logging.DEBUG)
    for name in ("app", "flask-limiter", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        yield caplog
    finally:
        for logger in disabled:
            logger.disabled = True


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database while the block runs."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
