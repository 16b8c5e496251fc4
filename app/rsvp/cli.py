"""``flask rsvp …``: retention purge and the retry of e-mail notices (run them from cron)."""

from __future__ import annotations

import logging

import click
from flask.cli import AppGroup

from app.db import writes_database
from app.extensions import db
from app.rsvp.consent import forget_unconfirmed
from app.rsvp.notices import send_pending
from app.rsvp.services import purge_ended_events

log = logging.getLogger(__name__)

rsvp = AppGroup("rsvp", help="RSVP retention and e-mail notices.")


def checkpoint_sqlite() -> bool:
    """Copy the WAL into the database file and truncate it; True if it completed.

    Deleted rows live on in the WAL until a checkpoint (design/security.md §3.2).
    Runs on a raw connection: a checkpoint inside a transaction could not finish.
    """
    if db.engine.dialect.name != "sqlite":
        return True
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()  # (busy, frames in the WAL, frames checkpointed)
        cursor.close()
    finally:
        connection.close()
    return row is not None and row[0] == 0


@rsvp.command("purge")
@writes_database
def purge_command() -> None:
    """Delete RSVPs of dates that ended over 24 hours ago, old notices, and unconfirmed
    addresses older than a week."""
    result = purge_ended_events()
    forgotten = forget_unconfirmed()
    db.session.commit()
    db.session.remove()  # our connection goes back to the pool: no reader left behind
    click.echo(
        f"Deleted {result.rsvps} RSVPs and {result.messages} queued notices "
        f"of {result.events} ended events."
    )
    click.echo(f"Deleted {forgotten} e-mail addresses nobody confirmed within a week.")
    if not checkpoint_sqlite():
        log.warning("WAL checkpoint incomplete: another connection is reading")
        raise click.ClickException(
            "The SQLite WAL could not be truncated because another connection is reading; "
            "deleted data may remain in the -wal file until the next run."
        )


@rsvp.command("send-notices")
@writes_database
def send_notices_command() -> None:
    """Send the e-mail notices waiting in the outbox (retries failed ones)."""
    report = send_pending()
    click.echo(
        f"Sent {report.sent}, failed {report.failed} (kept for a retry), "
        f"dropped {report.dropped}, waiting for the mail server {report.deferred}."
    )
    if report.deferred:
        raise click.ClickException("The mail server could not be reached.")
