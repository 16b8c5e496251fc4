"""Two app servers on one PostgreSQL and one Redis share one truth.

Two real gunicorn processes (as ``make prod-demo`` runs them) on free loopback ports,
against the test PostgreSQL and Redis:

- a change made through one server (an organizer edits a title with the form) shows
  in the other's event page, /events, /calendar.ics and /events.geojson within the
  documented bound (app.httpcache.GENERATION_RECHECK, 1 s; polled for up to 2 s),
  although the other had them cached;
- rate limits are shared: a client that spends its sign-in budget on one server gets
  429 from the other (VIGIL_RATE_LIMIT_SECRET);
- a sign-in made on one server works on the other (same secret key), and signing out
  on one ends the copied cookie on both.

Needs TEST_DATABASE_URL and TEST_REDIS_URL; skipped without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app import PROJECT_ROOT
from app.extensions import db
from app.httpcache import GENERATION_RECHECK
from tests.conftest import (
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    TEST_SECRET,
    _empty_postgres,
    _flush_redis,
    make_app,
)
from tests.factories import PASSWORD, berlin_embassy, make_event, make_user
from tests.visitor import Visitor, free_port

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"
)

BERLIN = ZoneInfo("Europe/Berlin")
RATE_LIMIT_SECRET = "two-servers-share-this-rate-limit-secret-0123456789"
LOGIN_LIMIT = 3
# How long a change may take to show in the other server: the documented bound, polled.
VISIBLE_WITHIN = 2.0


@dataclass
class Servers:
    a: str
    b: str
    logs: list[Path]
    slug: str
    event_id: int
    venue_id: int
    email: str


class _FormFields(HTMLParser):
    """The fields a browser would send from a page's last form, as it is filled in."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attr:
                    self.fields[name] = attr.get("value", "y")
            elif kind not in {"submit", "button"}:
                self.fields[name] = attr.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attr:
            self.fields[self._select] = attr.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def _start(port: int, base_url: str, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIL_")}
    env.update(
        VIGIL_SECRET_KEY=TEST_SECRET,
        VIGIL_DATABASE_URL=database_url,
        VIGIL_REDIS_URL=TEST_REDIS_URL or "",
        # The cache beside the counters, as the suite keeps it: one database to flush.
        VIGIL_CACHE_REDIS_URL=TEST_REDIS_URL or "",
        VIGIL_RATE_LIMIT_SECRET=RATE_LIMIT_SECRET,
        VIGIL_LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
        VIGIL_BASE_URL=base_url,
        VIGIL_SECURE_COOKIES="false",
        VIGIL_TRUSTED_PROXIES="1",
        VIGIL_LOG_LEVEL="WARNING",
    )
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "2", "--preload", "--no-control-socket", "wsgi:app"),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"gunicorn stopped:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2):  # noqa: S310
                return
        except OSError:
            assert time.monotonic() < deadline, f"gunicorn not ready:\n{log.read_text()}"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def servers(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    _flush_redis()
    seed = make_app(migrated_database)
    starts = (datetime.now(BERLIN) + timedelta(days=7)).replace(
        hour=15, minute=0, second=0, microsecond=0, tzinfo=None
    )
    with seed.app_context():
        _empty_postgres(seed)  # the map's markers name each place's first events only
        organizer = make_user()
        event = make_event(
            berlin_embassy(), organizer=organizer, starts_local=starts, title="Vigil as planned"
        )
        found = Servers("", "", [], event.slug, event.id, event.venue_id, organizer.email)
        db.session.remove()
    folder = tmp_path_factory.mktemp("two-servers")
    ports = [free_port(), free_port()]
    # Both build links on the first one's address, as behind one load balancer; each
    # accepts its own port too (the Host check compares the host name).
    base_url = f"http://127.0.0.1:{ports[0]}"
    logs = [folder / "a.log", folder / "b.log"]
    processes = [
        _start(port, base_url, migrated_database, log)
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait_ready(url, process, log)
        found.a, found.b, found.logs = urls[0], urls[1], logs
        yield found
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with seed.app_context():
            _empty_postgres(seed)
            db.engine.dispose()
        _flush_redis()


def _anonymous(url: str) -> str:
    """``url``'s body for a first-time visitor (no cookie: cached answers may be given)."""
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310
        assert response.status == 200
        return str(response.read().decode())


def test_a_change_through_one_server_shows_in_the_others_pages_feeds_and_map(
    servers: Servers,
) -> None:
    assert GENERATION_RECHECK <= 1.0  # the bound the README states
    urls = [
        f"{servers.b}/events/{servers.slug}",
        f"{servers.b}/events",
        f"{servers.b}/calendar.ics",
        # The map: its places, and the place's own list, which names every event there
        # (the markers name only each place's next three).
        f"{servers.b}/events.geojson",
        f"{servers.b}/venues/{servers.venue_id}/events.json",
    ]
    # The other server has them all, cached (asked twice: built, then from the cache).
    for url in urls * 2:
        assert "Vigil as planned" in _anonymous(url), url

    organizer = Visitor("198.51.100.10")
    login = {"email": servers.email, "password": PASSWORD}
    assert organizer.post_form(f"{servers.a}/auth/login", login) == 303
    edit = f"{servers.a}/organize/events/{servers.event_id}/edit"
    status, page = organizer.request(edit)
    assert status == 200
    parser = _FormFields()
    parser.feed(page)
    form = {**parser.fields, "title": "Vigil moved indoors"}
    assert organizer.request(edit, form)[0] == 303
    changed_at = time.monotonic()

    def visible(url: str) -> float:
        """When (after the edit) the first request that got the new title was sent.

        The request's start, not its end: a build on a busy machine may take a while,
        but what it answers must not be older than the bound.
        """
        while True:
            sent = time.monotonic() - changed_at
            body = _anonymous(url)
            if "Vigil moved indoors" in body:
                assert "Vigil as planned" not in body
                return sent
            assert sent < VISIBLE_WITHIN + 5, f"{url} still stale"
            time.sleep(0.05)

    with ThreadPoolExecutor(len(urls)) as pool:
        delays = list(pool.map(visible, urls))
    assert max(delays) <= VISIBLE_WITHIN, delays


def test_rate_limits_are_shared_between_the_servers(servers: Servers) -> None:
    client = Visitor("203.0.113.50")
    wrong = {"email": "nobody@example.org", "password": "not the password"}
    for _n in range(LOGIN_LIMIT):
        assert client.post_form(f"{servers.a}/auth/login", wrong) == 422  # refused, counted
    # The form comes from A; the attempt over the budget goes to B.
    status = client.post_form(f"{servers.b}/auth/login", wrong, form_path=f"{servers.a}/auth/login")
    assert status == 429
    # Another client is not affected, on either server.
    other = Visitor("203.0.113.51")
    assert other.post_form(f"{servers.b}/auth/login", wrong) == 422


def test_a_sign_in_on_one_server_holds_on_the_other(servers: Servers) -> None:
    organizer = Visitor("198.51.100.20")
    login = {"email": servers.email, "password": PASSWORD}
    assert organizer.post_form(f"{servers.a}/auth/login", login) == 303
    assert organizer.request(f"{servers.b}/organize/")[0] == 200
    copied = organizer.copy()
    # Signed out on B, the copied cookie is refused on A as well.
    status = organizer.post_form(f"{servers.b}/auth/logout", {}, form_path=f"{servers.b}/organize/")
    assert status == 303
    assert copied.request(f"{servers.a}/organize/")[0] in {302, 303}
    assert organizer.request(f"{servers.a}/organize/")[0] in {302, 303}
