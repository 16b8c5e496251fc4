"""``flask proposals purge``: retention of hosts' addresses (run it from cron beside
``flask rsvp purge``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import writes_database
from app.extensions import db
from app.proposals.services import purge_proposals
from app.rsvp.cli import checkpoint_sqlite

proposals = AppGroup("proposals", help="Retention of supporters' vigil proposals.")


@proposals.command("purge")
@writes_database
def purge_command() -> None:
    """Delete hosts' e-mail addresses 24 hours after their vigil's last date, and
    proposals nobody confirmed within a week."""
    result = purge_proposals()
    db.session.commit()
    db.session.remove()  # our connection goes back to the pool: no reader left behind
    click.echo(
        f"Deleted {result.addresses} hosts' e-mail addresses and "
        f"{result.unconfirmed} proposals nobody confirmed within a week."
    )
    if not checkpoint_sqlite():
        raise click.ClickException(
            "The SQLite WAL could not be truncated because another connection is reading; "
            "deleted data may remain in the -wal file until the next run."
        )
