"""``flask --app wsgi demo seed``: demo events for trying Vigil out and for benchmarks."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.db import writes_database
from app.demo.services import events_exist, seed_events
from app.extensions import db
from app.httpcache import new_generation


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
@click.option("--events", "count", default=20, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--force", is_flag=True, help="Add events even if some exist.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if events exist.")
@with_appcontext
@writes_database
def seed_command(count: int, force: bool, if_empty: bool) -> None:
    """Create a demo organizer and COUNT upcoming events at real missions."""
    if events_exist() and not force:
        if if_empty:
            click.echo("Events exist; no demo events added.")
            return
        raise click.ClickException("Events already exist. Use --force to add demo events anyway.")
    try:
        report = seed_events(count)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    # Bulk INSERTs bypass the session's flush, where app.pagecache notices changes.
    new_generation()
    click.echo(f"Created {report.events} demo events ({report.occurrences} dates).")
