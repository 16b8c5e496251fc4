"""Alembic migrations build exactly the models' schema (STYLE.md rule 13).

Runs on the suite's database: a fresh SQLite file, or a scratch schema in the
TEST_DATABASE_URL PostgreSQL database (so the shared schema is left alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app import PROJECT_ROOT
from app.extensions import db
from app.models import (
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    Repeat,
    Role,
    User,
    Venue,
    VenueKind,
    VenueStatus,
)
from app.models.rsvp import NoticeKind, OutboxMessage, Rsvp, RsvpStatus
from tests.conftest import TEST_DATABASE_URL, make_app

SCRATCH_SCHEMA = "vigil_migration_test"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    url = make_url(TEST_DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={SCRATCH_SCHEMA}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture
def empty_app(empty_database_url: str) -> Iterator[Flask]:
    app = make_app(empty_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences() -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_upgrade_from_empty_matches_the_models(empty_app: Flask) -> None:
    assert _tables() == set()
    upgrade()
    assert _tables() == {table.name for table in db.metadata.sorted_tables} | {"alembic_version"}
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(empty_app: Flask) -> None:
    upgrade()
    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    upgrade()
    assert _differences() == []


def _check_names() -> dict[str, set[str]]:
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        return {
            table: {str(check["name"]) for check in inspector.get_check_constraints(table)}
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }


def test_upgrade_creates_the_models_check_constraints(empty_app: Flask) -> None:
    # compare_metadata does not compare CHECKs; the enums' CHECKs are compared here.
    upgrade()
    assert _check_names() == {
        table.name: {
            str(constraint.name)
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in db.metadata.sorted_tables
    }


# The last revision before the states were mapped as enums, and rows it stored.
BEFORE_ENUMS = "59a715dec2c6"
_AT = {"at": "2026-11-30 10:00:00"}
_ROWS_BEFORE_ENUMS = (
    "INSERT INTO users (id, email, display_name, role, is_active, session_token, created_at)"
    " VALUES (1, 'admin@example.org', 'A', 'admin', TRUE, 'token', :at)",
    "INSERT INTO venues (id, name, kind, address, city, country_code, timezone,"
    " timezone_is_manual, status, created_at, updated_at) VALUES (1, 'Embassy', 'embassy',"
    " '', 'Berlin', 'DE', 'Europe/Berlin', FALSE, 'closed', :at, :at)",
    "INSERT INTO events (id, uid, slug, title, description, kind, status, venue_id,"
    " organizer_id, starts_at, ends_at, timezone, repeat, repeat_until_on, hide_count,"
    " sequence, created_at, updated_at, last_modified_at) VALUES (1, 'uid', 'vigil', 'Vigil',"
    " '', 'vigil', 'cancelled', 1, 1, '2026-12-05 17:00:00', '2026-12-05 18:00:00',"
    " 'Europe/Berlin', 'weekly', '2026-12-26', FALSE, 0, :at, :at, :at)",
    "INSERT INTO rsvps (id, event_id, token_hash, party_size, status, locale, created_on)"
    " VALUES (1, 1, 'hash', 2, 'waitlisted', 'en', '2026-11-30')",
    "INSERT INTO outbox_messages (id, event_id, recipient, kind, locale, body, attempts,"
    " created_at) VALUES (1, 1, 'a@example.org', 'manage-link', 'en', 'x', 0, :at)",
    # Of no kind any sender knows: it could never be sent.
    "INSERT INTO outbox_messages (id, event_id, recipient, kind, locale, body, attempts,"
    " created_at) VALUES (2, 1, 'b@example.org', 'unheard-of', 'en', 'x', 0, :at)",
)
_STATES_BEFORE_ENUMS = [
    Role.ADMIN,
    VenueKind.EMBASSY,
    VenueStatus.CLOSED,
    EventKind.VIGIL,
    EventStatus.CANCELLED,
    Repeat.WEEKLY,
    RsvpStatus.WAITLISTED,
    NoticeKind.MANAGE_LINK,
]


def _states() -> list[object]:
    """Each state column of the rows above, as the models load it."""
    states = [
        *db.session.execute(select(User.role)).one(),
        *db.session.execute(select(Venue.kind, Venue.status)).one(),
        *db.session.execute(select(Event.kind, Event.status, Event.repeat)).one(),
        *db.session.execute(select(Rsvp.status)).one(),
        *db.session.scalars(select(OutboxMessage.kind)).all(),
    ]
    db.session.rollback()
    return states


def test_states_stored_before_the_enums_load_as_members(empty_app: Flask) -> None:
    upgrade(revision=BEFORE_ENUMS)
    with db.engine.begin() as conn:
        for statement in _ROWS_BEFORE_ENUMS:
            conn.execute(text(statement), _AT)
    upgrade()
    states = _states()
    # Members, not strings that happen to be equal: StrEnum members equal their values.
    assert [type(state) for state in states] == [type(state) for state in _STATES_BEFORE_ENUMS]
    assert states == _STATES_BEFORE_ENUMS
    # And the other way: what the models write is the lowercase value, as before.
    db.session.get_one(Rsvp, 1).status = RsvpStatus.GOING
    db.session.commit()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM rsvps")).scalar_one() == "going"

    downgrade(revision=BEFORE_ENUMS)
    upgrade()
    assert _states() == [*_STATES_BEFORE_ENUMS[:6], RsvpStatus.GOING, NoticeKind.MANAGE_LINK]


def test_outbox_messages_of_unknown_kinds_are_refused(empty_app: Flask) -> None:
    upgrade()
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text(_ROWS_BEFORE_ENUMS[-1].replace("(2, 1,", "(2, NULL,")), _AT)


def test_the_differences_check_can_fail(empty_app: Flask) -> None:
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    assert [diff[0] for diff in _differences()] == ["remove_table"]


def _scripts() -> ScriptDirectory:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    return ScriptDirectory.from_config(config)


def test_one_head() -> None:
    assert len(_scripts().get_heads()) == 1


def test_revision_files_are_named_by_date() -> None:
    names = [path.name for path in (Path(PROJECT_ROOT) / "migrations" / "versions").glob("*.py")]
    assert names
    pattern = re.compile(r"^\d{8}_\d{4}_[0-9a-f]+_[a-z0-9_]+\.py$")
    assert [name for name in names if not pattern.match(name)] == []


# The last revision before RSVPs were per date.
BEFORE_DATES = "1e84852eaa4b"


def _at(when: datetime) -> str:
    """``when`` as the rows of the old schema stored it: UTC (PostgreSQL: with its offset)."""
    text_ = f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    return text_ + "+00:00" if db.engine.dialect.name == "postgresql" else text_


def test_rsvps_stored_before_dates_get_the_next_date_of_their_series(empty_app: Flask) -> None:
    upgrade(revision=BEFORE_DATES)
    # The migration runs at the real time: the dates are placed around it.
    now = datetime.now(UTC).replace(microsecond=0)
    week = timedelta(weeks=1)
    running = [  # a weekly series: one date over, one in progress, one ahead
        (now - week - timedelta(hours=1), now - week + timedelta(hours=1)),
        (now - timedelta(hours=1), now + timedelta(hours=1)),
        (now + week - timedelta(hours=1), now + week + timedelta(hours=1)),
    ]
    ended = [  # a weekly series whose dates are all over
        (now - 3 * week, now - 3 * week + timedelta(hours=2)),
        (now - 2 * week, now - 2 * week + timedelta(hours=2)),
    ]
    event_row = (
        "INSERT INTO events (id, uid, slug, title, description, kind, status, venue_id,"
        " organizer_id, starts_at, ends_at, timezone, repeat, repeat_until_on, hide_count,"
        " sequence, created_at, updated_at, last_modified_at) VALUES (:id, :uid, :uid, 'Vigil',"
        " '', 'vigil', 'published', 1, 1, :starts, :ends, 'Europe/Berlin', 'weekly', :until,"
        " FALSE, 0, :at, :at, :at)"
    )
    with db.engine.begin() as conn:
        for statement in _ROWS_BEFORE_ENUMS[:2]:  # the organizer and the venue
            conn.execute(text(statement), _AT)
        for event_id, dates in ((1, running), (2, ended)):
            conn.execute(
                text(event_row),
                {
                    "id": event_id,
                    "uid": f"vigil-{event_id}",
                    "starts": _at(dates[0][0]),
                    "ends": _at(dates[0][1]),
                    "until": dates[-1][0].date() + timedelta(days=1),
                    **_AT,
                },
            )
            for starts, ends in dates:
                conn.execute(
                    text(
                        "INSERT INTO occurrences (event_id, starts_at, ends_at)"
                        " VALUES (:event_id, :starts, :ends)"
                    ),
                    {"event_id": event_id, "starts": _at(starts), "ends": _at(ends)},
                )
        for rsvp_id, event_id in ((1, 1), (2, 1), (3, 2)):
            conn.execute(
                text(
                    "INSERT INTO rsvps (id, event_id, token_hash, party_size, status, locale,"
                    " created_on) VALUES (:id, :event_id, :hash, 1, 'going', 'en', '2026-11-30')"
                ),
                {"id": rsvp_id, "event_id": event_id, "hash": f"hash-{rsvp_id}"},
            )

    upgrade()

    berlin = ZoneInfo("Europe/Berlin")

    def local(when: datetime) -> date:
        return when.astimezone(berlin).date()

    occurs_on = {
        row.id: row.occurs_on for row in db.session.execute(select(Rsvp.id, Rsvp.occurs_on))
    }
    # The series' next date is the one in progress (it has not ended); the ended series'
    # RSVP keeps its last date, so the purge still finds it.
    assert occurs_on == {1: local(running[1][0]), 2: local(running[1][0]), 3: local(ended[1][0])}
    dates = db.session.scalars(
        select(Occurrence.occurs_on).where(Occurrence.event_id == 1).order_by(Occurrence.starts_at)
    ).all()
    assert dates == [local(starts) for starts, _ends in running]
    db.session.rollback()


# The last revision before accounts had a public name and notices a "reinstated" kind.
BEFORE_PUBLIC_NAME = "c41a7e2f9b60"


def test_public_names_and_reinstated_notices_come_and_go(empty_app: Flask) -> None:
    upgrade(revision=BEFORE_PUBLIC_NAME)
    with db.engine.begin() as conn:
        for statement in _ROWS_BEFORE_ENUMS[:3]:  # an account, a venue, an event
            conn.execute(text(statement), _AT)
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(_ROWS_BEFORE_ENUMS[4].replace("'manage-link'", "'reinstated'")), _AT)
    upgrade()
    assert db.session.get_one(User, 1).public_name is None  # the site's name stands in
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET public_name = 'Night watch'"))
        conn.execute(text(_ROWS_BEFORE_ENUMS[4].replace("'manage-link'", "'reinstated'")), _AT)
    assert db.session.scalars(select(OutboxMessage.kind)).all() == [NoticeKind.REINSTATED]
    db.session.rollback()

    downgrade(revision=BEFORE_PUBLIC_NAME)
    with db.engine.connect() as conn:
        assert "public_name" not in {c["name"] for c in inspect(conn).get_columns("users")}
        # A waiting "reinstated" notice went: the old CHECK does not know its kind.
        assert conn.execute(text("SELECT count(*) FROM outbox_messages")).scalar_one() == 0
    upgrade()
    assert _differences() == []


def test_accounts_before_the_review_setting_stay_trusted_and_the_log_keeps_its_rows(
    empty_app: Flask,
) -> None:
    upgrade(revision="e3b8f1a6c2d4")
    with db.engine.begin() as conn:
        conn.execute(text(_ROWS_BEFORE_ENUMS[0]), _AT)
        conn.execute(
            text(
                "INSERT INTO audit_entries (created_at, actor_id, actor_name, action,"
                " subject_type, label, summary) VALUES (:at, 1, 'A', 'account.created',"
                " 'account', 'A', '')"
            ),
            _AT,
        )
    upgrade()
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT is_trusted FROM users")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO audit_entries (created_at, actor_id, actor_name, action,"
                " subject_type, label, summary) VALUES (:at, 1, 'A', 'settings.changed',"
                " 'settings', 'review_new_organizers', 'on')"
            ),
            _AT,
        )
        actions = conn.execute(text("SELECT action FROM audit_entries ORDER BY id")).scalars()
        assert list(actions) == ["account.created", "settings.changed"]
    # The rebuilt table is still append-only.
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET label = 'B'"))
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (created_at, actor_name, action, subject_type,"
                " label, summary) VALUES (:at, 'A', 'made.up', 'settings', 'x', '')"
            ),
            _AT,
        )
