"""SQLite holds concurrent writers: a real gunicorn with threads answers no 5xx.

A deferred transaction that reads and then writes cannot wait for SQLite's
write lock: it gets SQLITE_BUSY at once ("database is locked") when another
connection writes, and the request a 500. So every request that may write
begins with ``BEGIN IMMEDIATE``, which waits for the lock up to the busy
timeout (app.db.configure_sqlite).

The test starts gunicorn (2 workers x 4 threads, as ``make run`` serves) on a
free loopback port with a freshly migrated SQLite file of its own, also in the
PostgreSQL run of the suite: the embedded database's lock is what is tested
(PostgreSQL's row locks are covered by tests/rsvp/test_concurrency.py). Eight
organizers sign in through the real form and create 16 events at once while
50 supporters RSVP, each from its own address behind the one trusted proxy, so
per-client limits do not refuse them. Every request must get its 303, and every
accepted write must be in the database afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event
from app.models.rsvp import Rsvp, RsvpStatus
from tests.conftest import TEST_DATABASE_URL, TEST_SECRET, _upgrade, make_app
from tests.factories import PASSWORD, berlin_embassy, make_event, make_user
from tests.visitor import Visitor, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ORGANIZERS = 8
EVENTS_EACH = 2
RSVPS = 50
CAPACITY = 30
REQUEST_TIMEOUT = 25  # seconds; above the busy timeout (15 s), so a wait shows as a 5xx
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Server:
    base_url: str
    database_url: str
    log: Path


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Server]:
    """gunicorn on a free loopback port and a freshly migrated SQLite file; stopped after."""
    database_url = f"sqlite:///{tmp_path / 'vigil.db'}"
    _upgrade(database_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIL_")}
    env.update(
        VIGIL_SECRET_KEY=TEST_SECRET,
        VIGIL_DATABASE_URL=database_url,
        VIGIL_BASE_URL=base_url,
        VIGIL_SECURE_COOKIES="false",
        VIGIL_TRUSTED_PROXIES="1",
        VIGIL_CACHE_DIR=str(tmp_path / "cache"),
        VIGIL_LOG_LEVEL="WARNING",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "2", "--threads", "4", "--no-control-socket"),
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, f"gunicorn stopped:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                assert time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
                time.sleep(0.2)
        yield Server(base_url, database_url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_concurrent_writers_on_sqlite_get_no_server_error(gunicorn: Server) -> None:
    starts = (datetime.now(BERLIN) + timedelta(days=7)).replace(
        hour=15, minute=0, second=0, microsecond=0, tzinfo=None
    )
    seed = make_app(gunicorn.database_url)
    with seed.app_context():
        venue = berlin_embassy()
        organizers = [make_user().email for _n in range(ORGANIZERS)]
        rush = make_event(venue, starts_local=starts, capacity=CAPACITY)
        venue_id, rush_id, rush_slug = venue.id, rush.id, rush.slug
        db.session.remove()
        db.engine.dispose()

    # Sign-ins and forms first, one at a time: the writes below are what runs at once.
    organizer_visits = []
    for n, email in enumerate(organizers):
        visitor = Visitor(f"198.51.100.{n + 1}", gunicorn.base_url, REQUEST_TIMEOUT)
        assert visitor.post_form("/auth/login", {"email": email, "password": PASSWORD}) == 303
        new_event_token = visitor.csrf_token("/organize/events/new")
        organizer_visits += [(visitor, new_event_token, n * EVENTS_EACH + k) for k in range(2)]
    supporter_visits = []
    for n in range(RSVPS):
        visitor = Visitor(f"203.0.113.{n + 1}", gunicorn.base_url, REQUEST_TIMEOUT)
        supporter_visits.append((visitor, visitor.csrf_token(f"/events/{rush_slug}")))

    start = threading.Barrier(len(organizer_visits) + len(supporter_visits))

    def create_event(visit: tuple[Visitor, str, int]) -> int:
        visitor, token, n = visit
        form = {
            "csrf_token": token,
            "title": f"Concurrent vigil {n}",
            "kind": "vigil",
            "description": "Bring candles.",
            "venue": str(venue_id),
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "repeat": "none",
            "publish": "y",
        }
        start.wait()
        return visitor.request("/organize/events/new", form)[0]

    def rsvp(visit: tuple[Visitor, str]) -> int:
        visitor, token = visit
        start.wait()
        form = {"csrf_token": token, "party_size": "1"}
        return visitor.request(f"/events/{rush_slug}/rsvp", form)[0]

    with ThreadPoolExecutor(max_workers=len(organizer_visits) + len(supporter_visits)) as pool:
        created = pool.map(create_event, organizer_visits)
        rsvped = pool.map(rsvp, supporter_visits)
        event_statuses, rsvp_statuses = list(created), list(rsvped)

    # The server's error lines name the exception and the database's code (SQLITE_BUSY).
    errors = [line for line in gunicorn.log.read_text().splitlines() if "unhandled" in line]
    assert (event_statuses, rsvp_statuses) == (
        [303] * ORGANIZERS * EVENTS_EACH,
        [303] * RSVPS,
    ), errors

    with seed.app_context():
        titles = db.session.scalars(
            select(Event.title).where(Event.title.startswith("Concurrent vigil"))
        ).all()
        assert sorted(titles) == sorted(
            f"Concurrent vigil {n}" for n in range(ORGANIZERS * EVENTS_EACH)
        )
        statuses = db.session.scalars(select(Rsvp.status).where(Rsvp.event_id == rush_id)).all()
        assert len(statuses) == RSVPS
        assert statuses.count(RsvpStatus.GOING) == CAPACITY
        assert db.session.scalar(select(func.count()).select_from(Rsvp)) == RSVPS
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's write lock")
@pytest.mark.parametrize(
    "args",
    [
        ["venues", "import"],
        ["demo", "seed", "--events", "2"],
        ["rsvp", "purge"],
        ["users", "create", "cli-writer@example.org"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_cli_writers_wait_for_the_write_lock(
    app: Flask, runner: FlaskCliRunner, args: list[str]
) -> None:
    """A command that writes while the server writes waits its turn instead of failing."""
    if args[0] == "demo":
        assert runner.invoke(args=["venues", "import"]).exit_code == 0
    db.session.remove()
    server = sqlite3.connect(
        db.engine.url.database or "", isolation_level=None, check_same_thread=False
    )
    server.execute("BEGIN IMMEDIATE")  # a request of the running server, writing
    done = threading.Timer(1.0, server.execute, args=["COMMIT"])
    done.start()
    try:
        result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    finally:
        done.join()
        server.close()
    assert result.exit_code == 0, (result.output, result.exception)
