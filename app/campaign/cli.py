"""``flask --app wsgi statement …``: load the campaign statement from its Markdown files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app import PROJECT_ROOT
from app.campaign.queries import pinned_in
from app.campaign.services import StatementFileError, parse_statement_file, pin_statement_data
from app.db import writes_database
from app.extensions import db

# The original, then its translations (statement.fa.md: front matter `language: fa`).
DEFAULT_STATEMENT_PATH = PROJECT_ROOT / "data" / "statement.md"
STATEMENT_TRANSLATIONS_GLOB = "statement.*.md"


def default_statement_paths() -> list[Path]:
    """data/statement.md and the translations beside it, the original first."""
    folder = DEFAULT_STATEMENT_PATH.parent
    return [DEFAULT_STATEMENT_PATH, *sorted(folder.glob(STATEMENT_TRANSLATIONS_GLOB))]


@click.group()
def statement() -> None:
    """Manage the pinned campaign statement."""


@statement.command("load")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Pin each file as a new version even if one is pinned already."
)
@with_appcontext
@writes_database
def load_command(paths: tuple[Path, ...], force: bool) -> None:
    """Pin the statement from each of PATHS in its language, unless one is pinned there.

    Without PATHS: data/statement.md and its translations (data/statement.LANG.md).
    With --force each file becomes a new version; older versions stay in the history.
    Every file is read before anything is written, so a bad file changes nothing.
    """
    try:
        files = [(path, parse_statement_file(path)) for path in paths or default_statement_paths()]
    except StatementFileError as exc:
        raise click.ClickException(str(exc)) from None
    for path, data in files:
        current = pinned_in(data.language)
        if current is not None and not force:
            click.echo(
                f"A statement in {data.language} is already pinned (version {current.id}); "
                f"{path} changed nothing. Use --force to pin the file as a new version."
            )
            continue
        version = pin_statement_data(data)
        click.echo(
            f"Pinned the statement from {path} as version {version.id} ({version.language}): "
            f"{version.title}"
        )
    db.session.commit()
