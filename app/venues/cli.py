"""``flask --app wsgi venues import [PATH]``: load the bundled list of Iranian missions."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app import PROJECT_ROOT
from app.db import writes_database
from app.extensions import db
from app.venues.importer import import_missions

# Found from the package, not the working directory, so the command works from anywhere.
DEFAULT_MISSIONS_PATH = PROJECT_ROOT / "data" / "iran_missions.csv"


@click.group()
def venues() -> None:
    """Manage venues."""


@venues.command("import")
@click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@with_appcontext
@writes_database
def import_command(path: Path | None) -> None:
    """Create or update missions from PATH (default: the bundled data/iran_missions.csv).

    Every row is checked first; if any is wrong, the problems are printed with
    their line numbers, nothing is written and the exit code is 1.
    """
    report = import_missions(path or DEFAULT_MISSIONS_PATH)
    if report.errors:
        db.session.rollback()
        for error in report.errors:
            click.echo(error, err=True)
        click.echo("Nothing was imported.", err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    click.echo(
        f"Missions: {report.created} created, {report.updated} updated,"
        f" {report.unchanged} unchanged; {report.without_coordinates} without coordinates."
    )
