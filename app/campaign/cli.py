"""``flask --app wsgi statement …``: load the campaign statement from its Markdown file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app import PROJECT_ROOT
from app.campaign.queries import pinned_statement
from app.campaign.services import StatementFileError, parse_statement_file, pin_statement
from app.db import writes_database
from app.extensions import db

DEFAULT_STATEMENT_PATH = PROJECT_ROOT / "data" / "statement.md"


@click.group()
def statement() -> None:
    """Manage the pinned campaign statement."""


@statement.command("load")
@click.argument(
    "path",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATEMENT_PATH,
)
@click.option(
    "--force", is_flag=True, help="Pin the file as a new version even if one is pinned already."
)
@with_appcontext
@writes_database
def load_command(path: Path, force: bool) -> None:
    """Pin the statement from PATH (default: data/statement.md) if none is pinned yet.

    With --force the file becomes a new pinned version; older versions stay in the history.
    """
    current = pinned_statement()
    if current is not None and not force:
        click.echo(
            f"A statement is already pinned (version {current.id}); nothing changed. "
            "Use --force to pin the file as a new version."
        )
        return
    try:
        data = parse_statement_file(path)
    except StatementFileError as exc:
        raise click.ClickException(str(exc)) from None
    version = pin_statement(
        title=data.title,
        subtitle=data.subtitle,
        byline=data.byline,
        body=data.body,
        created_by=None,
    )
    db.session.commit()
    click.echo(f"Pinned the statement from {path} as version {version.id}: {version.title}")
