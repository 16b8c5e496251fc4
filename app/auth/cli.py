"""``flask --app wsgi users …``: create accounts, set passwords, deactivate, reset 2FA."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from app.auth.services import (
    AccountError,
    create_user,
    end_sessions,
    get_user_by_email,
    record_account,
    set_active,
    set_password,
)
from app.auth.twofactor import remove_second_factor
from app.db import writer_transactions, writes_database
from app.extensions import db
from app.models import AuditAction, Role, User
from app.text import TextError, clean_text


@click.group()
def users() -> None:
    """Manage organizer and admin accounts."""


def _ask_password() -> str:
    """Ask twice (works with both answers piped on stdin) and check the length.

    Raises click.ClickException when the answers differ or the length is wrong.
    """
    if sys.stdin.isatty():
        # Said before asking, not only after a refused answer.
        click.echo(
            f"The password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters; "
            "a few unrelated words with spaces work well."
        )
        password: str = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    else:
        # getpass reads the controlling terminal, not stdin: behind a pipe in an SSH
        # session `printf 'pw\npw\n' | flask users create …` would wait on the terminal.
        password = sys.stdin.readline().rstrip("\r\n")
        if sys.stdin.readline().rstrip("\r\n") != password:
            raise click.ClickException("The two passwords differ.")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(
            f"The password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters."
        )
    return password


def _get_user(email: str) -> User:
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email}.")
    return user


@users.command("create")
@click.argument("email")
@click.option("--admin", "is_admin", is_flag=True, help="Give the account the admin role.")
@click.option("--name", "display_name", default=None, help="Display name (default: e-mail's name).")
@with_appcontext
@writes_database
def create_command(email: str, is_admin: bool, display_name: str | None) -> None:
    """Create an account, asking for its password twice."""
    try:
        name = clean_text(display_name or email.split("@")[0])
    except TextError:
        raise click.ClickException("The display name contains forbidden characters.") from None
    if not 1 <= len(name) <= 80:
        raise click.ClickException("The display name must have 1 to 80 characters.")
    password = _ask_password()
    try:
        user = create_user(
            email=email,
            display_name=name,
            password=password,
            role=Role.ADMIN if is_admin else Role.ORGANIZER,
        )
    except AccountError as exc:
        message = {
            "invalid-email": "That is not an e-mail address.",
            "email-taken": "An account with this e-mail already exists.",
        }[str(exc)]
        raise click.ClickException(message) from None
    record_account(AuditAction.ACCOUNT_CREATED, user, actor=None, summary=f"role: {user.role}")
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")


@users.command("set-password")
@click.argument("email")
@with_appcontext
def set_password_command(email: str) -> None:
    """Set a new password (ends every session of the account)."""
    _get_user(email)  # an unknown e-mail is refused before the password is asked
    password = _ask_password()
    db.session.rollback()  # no transaction stays open while someone types
    with writer_transactions():
        user = _get_user(email)
        set_password(user, password)
        record_account(AuditAction.ACCOUNT_PASSWORD_SET, user, actor=None)
        db.session.commit()
    click.echo(f"Password changed for {user.email}.")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
@writes_database
def deactivate_command(email: str) -> None:
    """Deactivate an account and end its sessions at once."""
    user = _get_user(email)
    set_active(user, active=False)
    record_account(AuditAction.ACCOUNT_DEACTIVATED, user, actor=None)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@users.command("reset-2fa")
@click.argument("email")
@with_appcontext
@writes_database
def reset_2fa_command(email: str) -> None:
    """Remove two-step sign-in (a lost phone); it can then be set up again.

    An account that must have it (admins, reviewers) is asked to set it up at its next
    sign-in. Its sessions end, so a stolen phone and a cookie together are not enough.
    """
    user = _get_user(email)
    remove_second_factor(user, actor=None)
    end_sessions(user)
    db.session.commit()
    click.echo(f"Two-step sign-in removed for {user.email}; it can be set up again.")
