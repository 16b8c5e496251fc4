"""Retention: RSVPs and their e-mails are gone 24 h after the event, also from the files.

design/security.md decision 12, T50 and T51: deleted rows survive in the SQLite
file or its WAL unless ``secure_delete`` is on for the deleting connection and
the WAL is checkpointed afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select

from app import clock
from app.extensions import db
from app.models import Event, Repeat, Venue
from app.models.rsvp import OutboxMessage, Rsvp
from tests.conftest import DEFAULT_NOW, TEST_DATABASE_URL, _upgrade, make_app
from tests.factories import berlin_embassy, make_event, make_rsvp

CANARY_EMAIL = "canary-5b1f7e@example.org"
CANARY_NAME = "Canary-Nickname-9d2c"
LONG_AGO = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # when the RSVPs were made


def _berlin() -> Venue:
    return db.session.scalar(select(Venue)) or berlin_embassy()


def _event_ending_at(ends_utc: datetime) -> Event:
    """A Berlin event (UTC+1 in November) of two hours that ends at ``ends_utc``."""
    local_end = ends_utc.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=1)
    return make_event(_berlin(), starts_local=local_end - timedelta(hours=2))


def _rsvp_back_then(event: Event, email: str | None, dates: Sequence[date] = ()) -> None:
    """RSVP as on LONG_AGO, before the event started (RSVPs close at the start); for
    ``dates`` of a series."""
    clock.freeze(LONG_AGO)
    try:
        make_rsvp(event, display_name=CANARY_NAME, email=email, dates=dates)
    finally:
        clock.freeze(DEFAULT_NOW)


def _queue_message(event: Event, recipient: str) -> None:
    db.session.add(
        OutboxMessage(event_id=event.id, recipient=recipient, kind="changed", locale="en", body="…")
    )
    db.session.commit()


def _count(model: type[Rsvp] | type[OutboxMessage], event_id: int) -> int:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(model).where(model.event_id == event_id))
        or 0
    )


def test_purge_deletes_what_belongs_to_events_ended_over_a_day_ago(
    app: Flask, runner: FlaskCliRunner
) -> None:
    now = DEFAULT_NOW
    clock.freeze(LONG_AGO)
    ended_long_ago = _event_ending_at(now - timedelta(hours=25))
    just_a_day = _event_ending_at(now - timedelta(hours=24))  # not *more* than 24 h
    recent = _event_ending_at(now - timedelta(hours=23))
    upcoming = _event_ending_at(now + timedelta(days=3))
    # A weekly series that began long ago but still has dates ahead.
    running_series = make_event(
        _berlin(),
        starts_local=datetime(2026, 11, 5, 18, 0),  # noqa: DTZ001 - venue wall time
        repeat=Repeat.WEEKLY,
        repeat_until_on=datetime(2026, 12, 31).date(),  # noqa: DTZ001
    )
    # A series whose last date is over.
    ended_series = make_event(
        _berlin(),
        starts_local=datetime(2026, 11, 2, 18, 0),  # noqa: DTZ001 - venue wall time
        repeat=Repeat.WEEKLY,
        repeat_until_on=datetime(2026, 11, 16).date(),  # noqa: DTZ001
    )
    clock.freeze(DEFAULT_NOW)
    gone = [event.id for event in (ended_long_ago, ended_series)]
    kept = [event.id for event in (just_a_day, recent, upcoming, running_series)]
    # RSVPs are per date: for the last date of the ended series, a date ahead of the
    # running one (its dates that are over are the subject of tests/rsvp/test_per_date.py).
    dates = {ended_series.id: [date(2026, 11, 16)], running_series.id: [date(2026, 12, 3)]}
    for event in (ended_long_ago, ended_series, just_a_day, recent, upcoming, running_series):
        _rsvp_back_then(event, "someone@example.org", dates.get(event.id, ()))
        _rsvp_back_then(event, None, dates.get(event.id, ()))
        _queue_message(event, "someone@example.org")

    result = runner.invoke(args=["rsvp", "purge"])

    assert result.exit_code == 0, result.output
    assert "Deleted 4 RSVPs and 2 queued notices of 2 ended events." in result.output
    for event_id in gone:
        assert (_count(Rsvp, event_id), _count(OutboxMessage, event_id)) == (0, 0)
    for event_id in kept:
        assert (_count(Rsvp, event_id), _count(OutboxMessage, event_id)) == (2, 1)
    # The events themselves stay (with their public pages).
    assert db.session.scalar(select(func.count()).select_from(Event)) == 6


def test_purge_with_nothing_to_do(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["rsvp", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 0 RSVPs and 0 queued notices of 0 ended events." in result.output


# --- the raw SQLite files --------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path: Path, migrated_database: str) -> Iterator[Flask]:
    """An app on a SQLite *file*, also when the suite runs on PostgreSQL."""
    path = tmp_path / "vigil.db"
    if TEST_DATABASE_URL:
        _upgrade(f"sqlite:///{path}")
    else:
        shutil.copyfile(migrated_database, path)
    clock.freeze(DEFAULT_NOW)
    app = make_app(f"sqlite:///{path}")
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.freeze(None)


def _database_files(app: Flask) -> dict[str, bytes]:
    """The raw bytes of vigil.db, vigil.db-wal and vigil.db-shm (those that exist)."""
    main = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = (main, Path(f"{main}-wal"), Path(f"{main}-shm"), Path(f"{main}-journal"))
    return {path.name: path.read_bytes() for path in files if path.exists()}


def _files_holding(app: Flask, canary: str) -> list[str]:
    needle = canary.encode()
    return [name for name, data in _database_files(app).items() if needle in data]


def _plant_canary(app: Flask) -> int:
    """An ended event with the canary's RSVP and queued notice; returns the event's id."""
    clock.freeze(LONG_AGO)
    event = _event_ending_at(DEFAULT_NOW - timedelta(days=2))
    clock.freeze(DEFAULT_NOW)
    # Some neighbours on the same pages, as in a real table.
    for n in range(30):
        _rsvp_back_then(event, f"neighbour{n}@example.org")
    _rsvp_back_then(event, CANARY_EMAIL)
    _queue_message(event, CANARY_EMAIL)
    event_id = event.id
    db.session.remove()  # no reader left open in the test itself
    return event_id


def test_control_the_canary_is_in_the_files_before_the_purge(sqlite_app: Flask) -> None:
    _plant_canary(sqlite_app)
    assert _files_holding(sqlite_app, CANARY_EMAIL)
    assert _files_holding(sqlite_app, CANARY_NAME)


def test_control_a_plain_delete_leaves_the_canary_in_the_wal(sqlite_app: Flask) -> None:
    """Why the purge checkpoints: secure_delete alone does not clean the WAL (§3.2)."""
    event_id = _plant_canary(sqlite_app)
    db.session.execute(delete(Rsvp).where(Rsvp.event_id == event_id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.event_id == event_id))
    db.session.commit()
    assert "vigil.db-wal" in _files_holding(sqlite_app, CANARY_EMAIL)


def test_purge_leaves_no_canary_in_the_sqlite_files(sqlite_app: Flask) -> None:
    event_id = _plant_canary(sqlite_app)
    assert _files_holding(sqlite_app, CANARY_EMAIL)

    result = sqlite_app.test_cli_runner().invoke(args=["rsvp", "purge"])

    assert result.exit_code == 0, result.output
    assert "Deleted 31 RSVPs and 1 queued notices of 1 ended events." in result.output
    assert _files_holding(sqlite_app, CANARY_EMAIL) == []
    assert _files_holding(sqlite_app, CANARY_NAME) == []
    assert _files_holding(sqlite_app, "neighbour7@example.org") == []
    assert _database_files(sqlite_app).get("vigil.db-wal", b"") == b""  # truncated
    assert _count(Rsvp, event_id) == 0


def test_secure_delete_is_on_for_every_new_connection(sqlite_app: Flask) -> None:
    db.engine.dispose()
    with db.engine.connect() as first, db.engine.connect() as second:
        assert first.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert second.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
