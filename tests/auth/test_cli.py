"""``flask --app wsgi users …``: create, set-password, deactivate."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app import PROJECT_ROOT
from app.auth.passwords import verify_password
from app.extensions import db
from app.models import Role, User
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "another long passphrase here"


def _twice(password: str) -> str:
    return f"{password}\n{password}\n"


def _user(email: str) -> User | None:
    db.session.rollback()  # see what the command committed
    return db.session.scalar(select(User).where(User.email == email))


def _user_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_create_organizer(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "create", "Mina@Example.org"], input=_twice(PASSWORD))
    assert result.exit_code == 0, result.output
    user = _user("mina@example.org")
    assert user is not None
    assert user.role == Role.ORGANIZER
    assert user.display_name == "Mina"
    assert user.is_active
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_create_admin_with_name(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "admin@example.org", "--admin", "--name", "Site admin"],
        input=_twice(PASSWORD),
    )
    assert result.exit_code == 0, result.output
    user = _user("admin@example.org")
    assert user is not None
    assert user.role == Role.ADMIN
    assert user.display_name == "Site admin"


def test_persian_name_is_kept(runner: FlaskCliRunner) -> None:
    name = "می‌خواهیم"  # with ZWNJ
    result = runner.invoke(
        args=["users", "create", "fa@example.org", "--name", name], input=_twice(PASSWORD)
    )
    assert result.exit_code == 0, result.output
    user = _user("fa@example.org")
    assert user is not None
    assert user.display_name == name


@pytest.mark.parametrize(
    ("args", "answers", "message"),
    [
        (["a@example.org"], f"{PASSWORD}\n{PASSWORD}x\n", "differ"),
        (["a@example.org"], _twice("too short"), "15 to 128"),
        (["a@example.org"], _twice("x" * 129), "15 to 128"),
        (["a@example.org"], "", "15 to 128"),
        (["not-an-email"], _twice(PASSWORD), "not an e-mail address"),
        (["a@example.org", "--name", "evil\u202ename"], _twice(PASSWORD), "forbidden"),
        (["a@example.org", "--name", "nul\x00name"], _twice(PASSWORD), "forbidden"),
        (["a@example.org", "--name", "x" * 81], _twice(PASSWORD), "1 to 80"),
    ],
)
def test_create_refuses_bad_input(
    runner: FlaskCliRunner, args: list[str], answers: str, message: str
) -> None:
    result = runner.invoke(args=["users", "create", *args], input=answers)
    assert result.exit_code != 0
    assert message in result.output
    assert _user_count() == 0


def test_create_refuses_a_taken_email(runner: FlaskCliRunner) -> None:
    make_user(email="taken@example.org")
    result = runner.invoke(args=["users", "create", "TAKEN@example.org"], input=_twice(PASSWORD))
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _user_count() == 1


def test_set_password(runner: FlaskCliRunner) -> None:
    user = make_user()
    result = runner.invoke(args=["users", "set-password", user.email], input=_twice(NEW_PASSWORD))
    assert result.exit_code == 0, result.output
    stored = _user(user.email)
    assert stored is not None
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert not verify_password(stored.password_hash, PASSWORD)


def test_set_password_refuses_mismatch_and_keeps_the_old_one(runner: FlaskCliRunner) -> None:
    user = make_user()
    result = runner.invoke(
        args=["users", "set-password", user.email], input=f"{NEW_PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code != 0
    stored = _user(user.email)
    assert stored is not None
    assert verify_password(stored.password_hash, PASSWORD)


def test_deactivate(runner: FlaskCliRunner) -> None:
    user = make_user()
    result = runner.invoke(args=["users", "deactivate", user.email])
    assert result.exit_code == 0, result.output
    stored = _user(user.email)
    assert stored is not None
    assert not stored.is_active


@pytest.mark.parametrize(
    ("command", "answers"),
    [(["set-password"], _twice(NEW_PASSWORD)), (["deactivate"], "")],
)
def test_unknown_email_is_an_error(
    runner: FlaskCliRunner, command: list[str], answers: str
) -> None:
    make_user(email="someone@example.org")
    result = runner.invoke(args=["users", *command, "nobody@example.org"], input=answers)
    assert result.exit_code != 0
    assert "No account with the e-mail nobody@example.org" in result.output


@pytest.fixture
def cli_env(database_url: str) -> dict[str, str]:
    """Environment for a real ``flask --app wsgi`` process on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_SECRET_KEY=TEST_SECRET,
        VIGIL_DATABASE_URL=database_url,
        VIGIL_BASE_URL="https://vigil.example.org",
    )
    return env


@pytest.fixture
def controlling_terminal() -> Iterator[int]:
    """A pseudo-terminal to become the command's controlling terminal."""
    primary, secondary = os.openpty()
    try:
        yield secondary
    finally:
        os.close(primary)
        os.close(secondary)


def test_piped_passwords_work_even_with_a_terminal_attached(
    app: Flask, cli_env: dict[str, str], controlling_terminal: int
) -> None:
    """``printf 'pw\\npw\\n' | flask users create …`` typed in an SSH session.

    getpass reads the controlling terminal rather than stdin, so a command
    built on it waits for keyboard input here (the process has a terminal, its
    stdin is a pipe) until the timeout fails the test.
    """

    def take_terminal() -> None:
        fcntl.ioctl(controlling_terminal, termios.TIOCSCTTY, 0)

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "create", "pipe@example.org"],
        input=_twice(PASSWORD).encode(),
        capture_output=True,
        cwd=Path(PROJECT_ROOT),
        env=cli_env,
        start_new_session=True,
        preexec_fn=take_terminal,
        pass_fds=(controlling_terminal,),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"Created organizer account pipe@example.org" in result.stdout
    assert PASSWORD.encode() not in result.stdout + result.stderr
    user = _user("pipe@example.org")
    assert user is not None
    assert verify_password(user.password_hash, PASSWORD)
