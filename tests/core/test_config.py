"""Configuration from VIGIL_* variables, validated at start-up (security.md T54)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app import PROJECT_ROOT, create_app
from app.config import ConfigError
from tests.conftest import TEST_SECRET

# Absolute, so Flask-SQLAlchemy does not create instance/; the factory never connects.
SQLITE_URL = f"sqlite:///{Path(tempfile.gettempdir()) / 'vigil-config-test-unused.db'}"


def _create(environ: dict[str, str], **overrides: Any) -> Any:
    return create_app({"TESTING": True, **overrides}, environ=environ)


def _env(**values: str) -> dict[str, str]:
    return {
        "VIGIL_SECRET_KEY": TEST_SECRET,
        "VIGIL_DATABASE_URL": SQLITE_URL,
        "VIGIL_BASE_URL": "https://vigil.example.org",
        **values,
    }


def test_valid_environment_is_read() -> None:
    app = _create(
        _env(
            VIGIL_OPEN_REGISTRATION="true",
            VIGIL_LOGIN_RATE_LIMIT="7 per minute",
            VIGIL_SITE_NAME="Vigil Berlin",
        )
    )
    assert app.config["SECRET_KEY"] == TEST_SECRET
    assert app.config["OPEN_REGISTRATION"] is True
    assert app.config["LOGIN_RATE_LIMIT"] == "7 per minute"
    assert app.config["SITE_NAME"] == "Vigil Berlin"
    assert app.config["DEBUG"] is False
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024


def test_defaults_are_safe() -> None:
    app = _create(_env())
    assert app.config["OPEN_REGISTRATION"] is False
    assert app.config["TRUSTED_PROXIES"] == 0


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"VIGIL_DATABASE_URL": SQLITE_URL}, "VIGIL_SECRET_KEY"),
        (_env(VIGIL_SECRET_KEY=""), "VIGIL_SECRET_KEY"),
        (_env(VIGIL_SECRET_KEY="x" * 31), "VIGIL_SECRET_KEY"),
        (_env(VIGIL_SECRET_KEY="replace-me-with-a-long-random-string"), "VIGIL_SECRET_KEY"),
        (_env(VIGIL_SECRET_KEY="REPLACE-ME-WITH-A-LONG-RANDOM-STRING"), "VIGIL_SECRET_KEY"),
        (_env(VIGIL_OPEN_REGISTRATION="maybe"), "VIGIL_OPEN_REGISTRATION"),
        (_env(VIGIL_SECURE_COOKIES="sometimes"), "VIGIL_SECURE_COOKIES"),
        (_env(VIGIL_DATABASE_URL="mysql://user@host/vigil"), "VIGIL_DATABASE_URL"),
        (_env(VIGIL_DATABASE_URL="not a url"), "VIGIL_DATABASE_URL"),
        (_env(VIGIL_DATABASE_URL="postgresql+nosuchdriver://h/db"), "VIGIL_DATABASE_URL"),
        (_env(VIGIL_DATABASE_URL="postgresql+psycopg2://h/db"), "VIGIL_DATABASE_URL"),
        (_env(VIGIL_DATABASE_URL="postgresql+psycopg://u:p@h:port/db"), "VIGIL_DATABASE_URL"),
        (_env(VIGIL_REDIS_URL="http://localhost:6379"), "VIGIL_REDIS_URL"),
        (_env(VIGIL_LOGIN_RATE_LIMIT="lots"), "VIGIL_LOGIN_RATE_LIMIT"),
        (_env(VIGIL_LOGIN_RATE_LIMIT="10 per fortnight"), "VIGIL_LOGIN_RATE_LIMIT"),
        (_env(VIGIL_LOGIN_RATE_LIMIT="0 per minute"), "VIGIL_LOGIN_RATE_LIMIT"),
        (_env(VIGIL_LOGIN_RATE_LIMIT=""), "VIGIL_LOGIN_RATE_LIMIT"),
        (_env(VIGIL_LOGIN_ACCOUNT_RATE_LIMIT="-5 per minute"), "VIGIL_LOGIN_ACCOUNT_RATE_LIMIT"),
        (_env(VIGIL_TRUSTED_PROXIES="one"), "VIGIL_TRUSTED_PROXIES"),
        (_env(VIGIL_TRUSTED_PROXIES="9"), "VIGIL_TRUSTED_PROXIES"),
        (_env(VIGIL_EVENTS_PER_PAGE="0"), "VIGIL_EVENTS_PER_PAGE"),
        (_env(VIGIL_PAGE_CACHE_SECONDS="-1"), "VIGIL_PAGE_CACHE_SECONDS"),
        (_env(VIGIL_PAGE_CACHE_SECONDS="forever"), "VIGIL_PAGE_CACHE_SECONDS"),
        (_env(VIGIL_DEFAULT_LOCALE="xx"), "VIGIL_DEFAULT_LOCALE"),
        (_env(VIGIL_LOG_LEVEL="LOUD"), "VIGIL_LOG_LEVEL"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(
    environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        _create(environ)


def test_database_url_is_not_repeated_in_the_message() -> None:
    with pytest.raises(ConfigError) as error:
        _create(_env(VIGIL_DATABASE_URL="mysql://vigil:hunter2-db-password@db/vigil"))
    assert "hunter2" not in str(error.value)


def test_secret_key_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(TEST_SECRET + "\n", encoding="utf-8")
    app = _create(
        {
            "VIGIL_SECRET_KEY_FILE": str(secret_file),
            "VIGIL_DATABASE_URL": SQLITE_URL,
            "VIGIL_BASE_URL": "https://vigil.example.org",
        }
    )
    assert app.config["SECRET_KEY"] == TEST_SECRET


def test_secret_key_file_is_checked_like_the_variable(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("changeme\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="VIGIL_SECRET_KEY"):
        _create({"VIGIL_SECRET_KEY_FILE": str(secret_file), "VIGIL_DATABASE_URL": SQLITE_URL})


def test_missing_secret_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VIGIL_SECRET_KEY_FILE"):
        _create(
            {"VIGIL_SECRET_KEY_FILE": str(tmp_path / "absent"), "VIGIL_DATABASE_URL": SQLITE_URL}
        )


def test_overrides_win_over_the_environment() -> None:
    app = _create(_env(VIGIL_OPEN_REGISTRATION="false"), OPEN_REGISTRATION=True)
    assert app.config["OPEN_REGISTRATION"] is True


def _import_wsgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=Path(PROJECT_ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}


def test_wsgi_without_secret_exits_with_one_readable_line() -> None:
    result = _import_wsgi(_clean_environ())
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Vigil cannot start: VIGIL_SECRET_KEY")
    assert "Traceback" not in result.stderr


def test_wsgi_with_bad_value_names_it() -> None:
    env = {**_clean_environ(), **_env(VIGIL_OPEN_REGISTRATION="maybe")}
    result = _import_wsgi(env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Vigil cannot start: VIGIL_OPEN_REGISTRATION must be true or false, not 'maybe'."
    ]


# --- VIGIL_BASE_URL: the one address every absolute link is built on -------------------


def test_base_url_is_required_with_secure_cookies() -> None:
    environ = _env()
    del environ["VIGIL_BASE_URL"]
    with pytest.raises(ConfigError, match="VIGIL_BASE_URL is not set"):
        _create(environ)
    with pytest.raises(ConfigError, match="VIGIL_BASE_URL is not set"):
        _create({**environ, "VIGIL_BASE_URL": ""})


def test_without_secure_cookies_the_base_url_is_the_local_address() -> None:
    environ = _env(VIGIL_SECURE_COOKIES="false")
    del environ["VIGIL_BASE_URL"]
    app = _create(environ)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://vigil.example.org", "https://vigil.example.org"),
        ("https://vigil.example.org/", "https://vigil.example.org"),
        ("HTTPS://Vigil.Example.ORG", "https://vigil.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://xn--mgbai9azgqp6j.example:8443/", "https://xn--mgbai9azgqp6j.example:8443"),
    ],
)
def test_base_url_is_kept_in_one_spelling(value: str, expected: str) -> None:
    app = _create(_env(VIGIL_BASE_URL=value))
    assert app.config["BASE_URL"] == expected
    assert app.config["TRUSTED_HOSTS"] == [expected.split("://")[1].split(":")[0]]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("vigil.example.org", "must start with https://"),
        ("ftp://vigil.example.org", "must start with https://"),
        ("javascript:alert(1)", "must start with https://"),
        ("webcal://vigil.example.org", "must start with https://"),
        ("https://vigil.example.org/vigil", "must not have a path"),
        ("https://vigil.example.org/?a=1", "must not have a path, query"),
        ("https://vigil.example.org?", "must not have a path, query"),
        ("https://vigil.example.org#top", "must not have a path, query or fragment"),
        ("https://user:pw@vigil.example.org", "must not hold a user name"),
        ("https://", "must name a host"),
        ("https://vigil_example.org", "must name a host"),
        ("https://*.example.org", "must name a host"),
        ("https://[::1]", "must name a host"),
        ("https://vigil.example.org:99999", "is not a URL"),
        ("https://vigil.example.org:0", "port 0"),
        ("https://vigil.exa\nmple.org", "spaces or control characters"),
        (" https://vigil.example.org", "spaces or control characters"),
    ],
)
def test_bad_base_url_stops_start_up(value: str, reason: str) -> None:
    with pytest.raises(ConfigError, match="VIGIL_BASE_URL") as error:
        _create(_env(VIGIL_BASE_URL=value))
    assert reason in str(error.value)


def test_wsgi_without_base_url_names_it() -> None:
    env = {**_clean_environ(), **_env()}
    del env["VIGIL_BASE_URL"]
    result = _import_wsgi(env)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Vigil cannot start: VIGIL_BASE_URL is not set.")
