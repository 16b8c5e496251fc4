"""RSVP benchmark: RSVPs/second with concurrent clients, and the overbooking count (must be 0).

Not a timed test: it prints figures for a person to read (and paste into README.md).
It shares its machinery with pages.py and feeds.py (``_common``): the same scratch
database filled by the project's own commands, the same gunicorn (2 sync workers, as
``make run``), the same pure-Python load generator and the same baseline, ``GET
/healthz`` measured first and last on the same server.

What it does, in order:

1. Builds the database (``db upgrade``, ``venues import``, ``statement load``, ``demo
   seed --events N``), then, in-process through the app's own services
   (``create_event``, ``create_rsvp``), the events it RSVPs to, all published and
   starting in a week: the measured event (``--capacity`` places, 100), one for the
   warm-up and one for the in-process count (same capacity), and ``--races`` small
   events (10) of 10 places, 7 of them already taken by two earlier RSVPs.
2. Starts gunicorn with ``VIGIL_RSVP_RATE_LIMIT`` raised to 1000000 per hour: every
   client comes from 127.0.0.1, which the limiter takes for one visitor, so the
   default (10 per hour) would answer nearly every RSVP with 429. Nothing else differs
   from ``make run``.
3. Each of the ``--connections`` clients (50) GETs the measured event's page once, as a
   browser would, and keeps the session cookie and the form's CSRF token it got (not
   timed). From then on each client POSTs ``/events/<slug>/rsvp`` again and again
   with that cookie and token (the token is valid for the whole session): a display
   name, a party size of 1 to 5 (mostly 1 or 2), no e-mail. Each POST is a new
   connection (gunicorn's sync workers close it after every response); a client sends
   its next POST when the previous one is answered (closed loop). Success is 303 to
   ``/rsvp/done``; the redirect is not followed and the new cookie is not kept.
4. Measures hello (first), the RSVPs for ``--seconds`` (after a warm-up on its own
   event), the races, and hello (last). In a race all the clients POST one RSVP each
   to a small event at the same instant, fighting for its last 3 places.
5. Reads the database directly (SQLAlchemy, same URL): per event the RSVPs recorded,
   the people going (party sizes added up), the capacity, overbooked = max(0, going −
   capacity), and whether a waitlisted party would still fit in the places left (a
   place lost: must not happen either).
6. Counts the SQL statements and transaction ends of one RSVP in-process (the Flask
   test client on the same database) and times it there: wall time, and the CPU time
   of this process (the app's own work, which a busy machine disturbs less).

Every POST must be answered 303; the others are counted by status (409: the event
refused RSVPs; 500: for instance a lock timeout), as are failed connections.

Targets:

- at least 500 RSVPs/second with 50 concurrent clients on PostgreSQL (2-core machine);
- 0 overbooked, on every database, in the measured event and in every race.

Usage (from the project root; ``make bench-rsvp`` runs the second line with ``--reset``)::

    .venv/bin/python bench/rsvp.py                       # temporary SQLite file
    .venv/bin/python bench/rsvp.py --postgres            # PostgreSQL and Redis on loopback
    .venv/bin/python bench/rsvp.py --database-url URL [--reset] [--json out.json]

Databases, ``--reset`` and ``--keep`` are those of pages.py (see its docstring): the
script refuses a database that has tables unless ``--reset``, and empties its database
afterwards. Exit codes: 0 done, 1 a request failed or had another answer than 303, or
an event was overbooked or lost a place, 2 cannot run, 3 with ``--check`` when a target
is missed.
"""

from __future__ import annotations

import argparse
import html
import multiprocessing
import os
import re
import resource
import secrets
import selectors
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.pool import AsyncResult
from statistics import median
from typing import Any
from urllib.parse import urlencode

# measure() and run_client_process() in _common send any request on any connection;
# here each connection belongs to one client and its cookie, so the RSVP loop below
# is its own, and it samples CPU time with the same helpers as measure().
from _common import (
    HOST,
    MAX_REQUESTS_PER_CONNECTION,
    REQUEST_TIMEOUT_S,
    START_DELAY_S,
    WORKERS,
    BenchError,
    LoadFigures,
    _machine_busy_s,
    _percentile,
    _process_tree_cpu_s,
    analyze,
    app_environment,
    apply_baseline,
    bench_parser,
    close_database,
    failed_requests,
    finish,
    finish_args,
    flask_command,
    gunicorn,
    machine_facts,
    measure,
    noop,
    open_database,
    optional,
    plain,
    print_load_details,
    ratio_text,
    request_bytes,
    run_main,
)

HELLO_PATH = "/healthz"
DONE_PATH = "/rsvp/done"
# The session cookie's name with VIGIL_SECURE_COOKIES=false (app.config).
SESSION_COOKIE = "vigil"
# All clients share 127.0.0.1; the default limit (10 per hour) would refuse them.
RSVP_RATE_LIMIT = "1000000 per hour"

# Targets from the issue.
RSVPS_PER_S_TARGET = 500.0
TARGET_CONNECTIONS = 50

# Party sizes, taken in turn by client number: mostly one or two people.
PARTY_SIZES = (1, 2, 1, 3, 1, 2, 4, 1, 2, 5)
# The races: small events whose last places the clients fight for.
RACE_CAPACITY = 10
RACE_TAKEN = (3, 4)  # parties already going before the race: 3 places are left
# A race is over when every client has its answer; this bounds it if one never comes.
RACE_TIMEOUT_S = 30.0
# RSVPs timed in-process.
IN_PROCESS_REPEAT = 25


# ------------------------------------------------------------------ the clients


@dataclass(frozen=True)
class Session:
    """What a client got from its GET of the event page: the session cookie's value
    and the CSRF token of the RSVP form."""

    cookie: str
    csrf_token: str


_SET_COOKIE = re.compile(rf"(?im)^set-cookie:\s*{SESSION_COOKIE}=([^;\r\n]+)")
_LOCATION = re.compile(r"(?im)^location:\s*(\S+)\s*$")
_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def csrf_token(page: str) -> str | None:
    """The value of the ``csrf_token`` hidden input of an HTML page, if there is one."""
    for tag in _INPUT.findall(page):
        if 'name="csrf_token"' in tag and (value := _VALUE.search(tag)):
            return html.unescape(value.group(1))
    return None


def _head(data: bytes) -> tuple[int, str]:
    """The status and the header block of a raw HTTP response (status 0 if unreadable)."""
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1")
    try:
        return int(head[9:12]), head
    except ValueError:
        return 0, head


def open_sessions(port: int, slug: str, count: int) -> list[Session]:
    """Executed in a client process: ``count`` clients each GET the event page once and
    keep the session cookie and CSRF token. BenchError if the page has no RSVP form."""
    path = f"/events/{slug}"
    sessions = []
    for _ in range(count):
        with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT_S) as conn:
            conn.sendall(request_bytes(path, port))
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        data = b"".join(chunks)
        status, head = _head(data)
        page = data.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
        cookie = _SET_COOKIE.search(head)
        token = csrf_token(page)
        if status != 200 or cookie is None or token is None or f'action="{path}/rsvp"' not in page:
            raise BenchError(f"GET {path} answered {status} without a session and an RSVP form")
        sessions.append(Session(cookie.group(1), token))
    return sessions


def rsvp_form(token: str, client: int) -> dict[str, str]:
    """The fields a browser sends for client number ``client``: no e-mail (box unticked)."""
    return {
        "csrf_token": token,
        "display_name": f"Client {client}",
        "party_size": str(PARTY_SIZES[client % len(PARTY_SIZES)]),
        "email": "",
        "submit": "I'll be there",
    }


def post_bytes(port: int, slug: str, session: Session, client: int) -> bytes:
    """The whole RSVP POST of one client, with its cookie and token."""
    body = urlencode(rsvp_form(session.csrf_token, client)).encode("ascii")
    return (
        f"POST /events/{slug}/rsvp HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: vigil-bench\r\n"
        "Accept: text/html,*/*\r\nAccept-Encoding: identity\r\nConnection: close\r\n"
        f"Cookie: {SESSION_COOKIE}={session.cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body


@dataclass
class PostLoad:
    """What client processes measured: answers by status, 303s to the confirmation page
    (RSVPs made) with their latencies, failed connections and timeouts, CPU time."""

    made: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failed: int = 0
    latencies_s: list[float] = field(default_factory=list)
    cpu_s: float = 0.0

    def add(self, other: PostLoad) -> None:
        self.made += other.made
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.failed += other.failed
        self.latencies_s.extend(other.latencies_s)
        self.cpu_s += other.cpu_s

    @property
    def unexpected(self) -> int:
        """Answers other than 303 to the confirmation page."""
        return sum(self.statuses.values()) - self.made


@dataclass
class _Post:
    """One POST in flight: its client, what is left to send, what came back, its start."""

    client: int
    unsent: bytes
    sent_at: float
    chunks: list[bytes] = field(default_factory=list)


def run_posts(
    port: int,
    posts: Sequence[bytes],
    start_wall: float,
    s: float,
    posts_per_client: int,
    timeout_s: float,
) -> PostLoad:
    """Executed in a client process: from ``start_wall`` (epoch) for ``s`` seconds, each
    client ``k`` keeps its POST ``posts[k]`` in flight, at most ``posts_per_client`` times.

    One thread, non-blocking sockets and a selector, as ``_common.run_client_process``,
    but a connection always carries the same client's request: when its answer is in,
    that client sends again. Answers that end after the window are not counted; those
    still in flight are abandoned. An answer counts as an RSVP made if it is 303 to
    /rsvp/done; a POST unanswered after ``timeout_s`` counts as failed. The loop ends
    early once no client has anything left to send.
    """
    start = time.monotonic() + (start_wall - time.time())
    end = start + s
    load = PostLoad()
    selector = selectors.DefaultSelector()
    left = [posts_per_client] * len(posts)

    def send(client: int) -> None:
        if left[client] <= 0:
            return
        left[client] -= 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((HOST, port))  # completes (or fails) when writable
        selector.register(
            sock, selectors.EVENT_WRITE, _Post(client, posts[client], time.monotonic())
        )

    def close(sock: socket.socket, post: _Post) -> None:
        selector.unregister(sock)
        sock.close()
        load.failed += 1
        time.sleep(0.001)  # a refused connection would otherwise spin
        send(post.client)

    def finish(sock: socket.socket, post: _Post) -> None:
        done_at = time.monotonic()
        selector.unregister(sock)
        sock.close()
        if done_at > end:
            return
        status, head = _head(b"".join(post.chunks))
        load.statuses[status] = load.statuses.get(status, 0) + 1
        location = _LOCATION.search(head)
        if status == 303 and location is not None and location.group(1).endswith(DONE_PATH):
            load.made += 1
            load.latencies_s.append(done_at - post.sent_at)
        send(post.client)

    time.sleep(max(0.0, start - time.monotonic()))
    before = resource.getrusage(resource.RUSAGE_SELF)
    for client in range(len(posts)):
        send(client)
    next_timeout_scan = start + 1.0
    while selector.get_map() and (now := time.monotonic()) < end:
        for key, events in selector.select(timeout=min(0.1, end - now)):
            sock, post = key.fileobj, key.data
            assert isinstance(sock, socket.socket)
            try:
                if events & selectors.EVENT_WRITE:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        close(sock, post)
                        continue
                    post.unsent = post.unsent[sock.send(post.unsent) :]
                    if not post.unsent:
                        selector.modify(sock, selectors.EVENT_READ, post)
                elif chunk := sock.recv(65536):
                    post.chunks.append(chunk)
                else:
                    finish(sock, post)
            except BlockingIOError:
                continue
            except OSError:
                close(sock, post)
        if now > next_timeout_scan:
            next_timeout_scan = now + 1.0
            for key in list(selector.get_map().values()):
                if now - key.data.sent_at > timeout_s:
                    assert isinstance(key.fileobj, socket.socket)
                    close(key.fileobj, key.data)
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
        assert isinstance(key.fileobj, socket.socket)
        key.fileobj.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    load.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return load


def _shares(items: Sequence[Any], processes: int) -> list[list[Any]]:
    """``items`` cut into at most ``processes`` nearly equal runs, in order."""
    sizes = [len(items) // processes + (k < len(items) % processes) for k in range(processes)]
    firsts = [sum(sizes[:k]) for k in range(processes)]
    return [list(items[first : first + size]) for first, size in zip(firsts, sizes, strict=True)]


def _start_posts(
    pool: Any,
    port: int,
    posts: Sequence[bytes],
    processes: int,
    seconds: float,
    posts_per_client: int,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> tuple[AsyncResult[list[PostLoad]], float]:
    """Hand the clients' POSTs to the client processes; return the pending result and
    the wall-clock instant at which they all start."""
    start_wall = time.time() + START_DELAY_S
    pending = pool.starmap_async(
        run_posts,
        [
            (port, share, start_wall, seconds, posts_per_client, timeout_s)
            for share in _shares(posts, processes)
            if share
        ],
    )
    return pending, start_wall


def _gather(pending: AsyncResult[list[PostLoad]], seconds: float) -> PostLoad:
    total = PostLoad()
    for part in pending.get(timeout=seconds + START_DELAY_S + 60):
        total.add(part)
    return total


def measure_posts(
    pool: Any,
    port: int,
    server_pid: int,
    figures: LoadFigures,
    posts: Sequence[bytes],
    processes: int,
    seconds: float,
) -> PostLoad:
    """Every client POSTs its RSVP again and again for ``seconds``; fill ``figures``
    (as ``_common.measure`` does: rate, latencies, CPU shares) and return the answers."""
    pending, start_wall = _start_posts(
        pool, port, posts, processes, seconds, MAX_REQUESTS_PER_CONNECTION
    )
    # CPU is sampled at the edges of the clients' window, not around the hand-over.
    time.sleep(max(0.0, start_wall - time.time()))
    cpu_before, busy_before = _process_tree_cpu_s(server_pid), _machine_busy_s()
    time.sleep(max(0.0, start_wall + seconds - time.time()))
    cpu_after, busy_after = _process_tree_cpu_s(server_pid), _machine_busy_s()
    total = _gather(pending, seconds)
    figures.ok, figures.non_2xx, figures.errors = total.made, total.unexpected, total.failed
    figures.requests_per_s = total.made / seconds
    figures.p50_ms = 1000 * _percentile(total.latencies_s, 0.50)
    figures.p99_ms = 1000 * _percentile(total.latencies_s, 0.99)
    cores = os.cpu_count() or 1
    figures.client_cpu_share = total.cpu_s / (seconds * cores)
    if cpu_before is not None and cpu_after is not None:
        figures.server_cpu_share = (cpu_after - cpu_before) / (seconds * cores)
        if total.made:
            figures.app_cpu_ms_per_request = 1000 * (cpu_after - cpu_before) / total.made
        if busy_before is not None and busy_after is not None:
            machine = (busy_after - busy_before) / (seconds * cores)
            figures.other_cpu_share = max(
                0.0, machine - figures.server_cpu_share - figures.client_cpu_share
            )
    return total


# ------------------------------------------------------------------ the database


@dataclass(frozen=True)
class BenchEvents:
    """The slugs of the events this benchmark RSVPs to."""

    measured: str
    warmup: str
    in_process: str
    races: tuple[str, ...]


def _app(env: Mapping[str, str]) -> Any:
    """The app as gunicorn runs it: the same VIGIL_* settings (secret, database, Redis,
    cache folder, raised RSVP limit)."""
    from app import create_app

    return create_app(environ=env)


def create_events(env: Mapping[str, str], capacity: int, races: int) -> BenchEvents:
    """Create the published events of the benchmark through the app's services, and the
    RSVPs that take 7 of each race event's 10 places; return their slugs."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from app.clock import now_utc
    from app.demo.services import demo_organizer
    from app.events.services import EventInput, create_event
    from app.extensions import db
    from app.models import EventKind, Repeat, Venue
    from app.rsvp.services import create_rsvp

    app = _app(env)
    with app.app_context():
        try:
            venue = db.session.scalars(
                select(Venue).where(Venue.latitude.is_not(None)).order_by(Venue.id).limit(1)
            ).first()
            if venue is None:
                raise BenchError("No venue with coordinates: `flask venues import` added none.")
            organizer = demo_organizer()
            zone = ZoneInfo(venue.timezone)
            day = now_utc().astimezone(zone).date() + timedelta(days=7)

            def new_event(title: str, places: int) -> Any:
                starts = datetime.combine(day, time(18))
                data = EventInput(
                    title=title,
                    description="An event of the RSVP benchmark.",
                    kind=EventKind.VIGIL,
                    venue=venue,
                    timezone=venue.timezone,
                    starts_local=starts,
                    ends_local=starts + timedelta(hours=2),
                    repeat=Repeat.NONE,
                    repeat_until_on=None,
                    skip_dates=frozenset(),
                    capacity=places,
                    contact_url=None,
                    publish=True,
                )
                return create_event(organizer=organizer, data=data)

            created = [
                new_event("RSVP benchmark", capacity),
                new_event("RSVP benchmark warm-up", capacity),
                new_event("RSVP benchmark in-process", capacity),
                *(new_event(f"RSVP race {n + 1}", RACE_CAPACITY) for n in range(races)),
            ]
            db.session.commit()
            ids, slugs = [event.id for event in created], [event.slug for event in created]
            for race_id in ids[3:]:
                for size in RACE_TAKEN:
                    create_rsvp(race_id, display_name=None, party_size=size, email=None)
        finally:
            db.session.remove()
            db.engine.dispose()
    return BenchEvents(slugs[0], slugs[1], slugs[2], tuple(slugs[3:]))


@dataclass(frozen=True)
class EventState:
    """An event's RSVPs as the database holds them after the run."""

    capacity: int | None
    rsvps: int
    going_rsvps: int
    going_people: int
    waitlisted_rsvps: int
    smallest_waitlisted_party: int | None

    @property
    def overbooked(self) -> int:
        """People going beyond the capacity (must be 0)."""
        return 0 if self.capacity is None else max(0, self.going_people - self.capacity)

    @property
    def lost_place(self) -> bool:
        """A waitlisted party would fit in the places left (must not happen either:
        going only grows while RSVPs come in, so it fitted when it came)."""
        smallest = self.smallest_waitlisted_party
        return (
            self.capacity is not None
            and smallest is not None
            and smallest <= self.capacity - self.going_people
        )


def event_states(database_url: str, slugs: Sequence[str]) -> dict[str, EventState]:
    """Each event's capacity and RSVP counts, read directly from the database."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session as OrmSession

    from app.models import Event, Rsvp, RsvpStatus

    engine = create_engine(database_url)
    states = {}
    try:
        with OrmSession(engine) as orm:
            for slug in slugs:
                event = orm.scalars(select(Event).where(Event.slug == slug)).one()
                rows = orm.execute(
                    select(
                        Rsvp.status,
                        func.count(),
                        func.coalesce(func.sum(Rsvp.party_size), 0),
                        func.min(Rsvp.party_size),
                    )
                    .where(Rsvp.event_id == event.id)
                    .group_by(Rsvp.status)
                ).all()
                found = {str(row[0]): (int(row[1]), int(row[2]), row[3]) for row in rows}
                going = found.get(RsvpStatus.GOING, (0, 0, None))
                waiting = found.get(RsvpStatus.WAITLISTED, (0, 0, None))
                states[slug] = EventState(
                    capacity=event.capacity,
                    rsvps=going[0] + waiting[0],
                    going_rsvps=going[0],
                    going_people=going[1],
                    waitlisted_rsvps=waiting[0],
                    smallest_waitlisted_party=waiting[2],
                )
    finally:
        engine.dispose()
    return states


@dataclass(frozen=True)
class InProcessRsvp:
    """One RSVP in-process: SQL statements, commits and rollbacks, median wall and CPU time."""

    statements: int
    commits: int
    rollbacks: int
    median_ms: float
    median_cpu_ms: float


def rsvp_in_process(env: Mapping[str, str], slug: str) -> InProcessRsvp:
    """Through the Flask test client: GET the event page for a session and a token,
    RSVP once (first use), count what one more RSVP sends to the database, then time
    ``IN_PROCESS_REPEAT`` RSVPs. BenchError if an RSVP is not answered 303."""
    from sqlalchemy import event

    from app.extensions import db

    app = _app(env)
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    counts = {"statements": 0, "commits": 0, "rollbacks": 0}
    listeners = {
        "before_cursor_execute": "statements",
        "commit": "commits",
        "rollback": "rollbacks",
    }

    def counter(name: str) -> Any:
        def count(*_args: Any) -> None:
            counts[name] += 1

        return count

    def post(token: str, number: int) -> None:
        response = client.post(f"/events/{slug}/rsvp", data=rsvp_form(token, number))
        if response.status_code != 303:
            raise BenchError(f"an RSVP answered {response.status_code} in-process")

    try:
        token = csrf_token(client.get(f"/events/{slug}").get_data(as_text=True))
        if token is None:
            raise BenchError(f"/events/{slug} has no CSRF token in-process")
        post(token, 0)
        hooks = [(name, counter(key)) for name, key in listeners.items()]
        for name, hook in hooks:
            event.listen(engine, name, hook)
        try:
            post(token, 1)
        finally:
            for name, hook in hooks:
                event.remove(engine, name, hook)
        times, cpu_times = [], []
        for number in range(IN_PROCESS_REPEAT):
            started, cpu_started = time.perf_counter(), time.process_time()
            post(token, 2 + number)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
    finally:
        engine.dispose()
    return InProcessRsvp(
        counts["statements"],
        counts["commits"],
        counts["rollbacks"],
        1000 * median(times),
        1000 * median(cpu_times),
    )


# ---------------------------------------------------------------------- the run


@dataclass
class RsvpFigures(LoadFigures):
    """The RSVP load: the load figures, plus every answer by status."""

    statuses: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Race:
    """One race for an event's last places: the answers, and the event afterwards."""

    answers: dict[int, int]
    made: int
    failed: int
    latencies_s: list[float] = field(repr=False)
    state: EventState | None = None

    @property
    def last_answer_ms(self) -> float:
        """When the last client had its answer, from the common start."""
        return 1000 * max(self.latencies_s, default=0.0)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_parser(
        "RSVPs/second of Vigil with concurrent clients, as a ratio against a hello route,"
        " and the overbooking count."
    )
    parser.add_argument(
        "--capacity", type=int, default=100, help="Places of the measured event (100)."
    )
    parser.add_argument(
        "--races",
        type=int,
        default=10,
        help=f"Races for the last places of a {RACE_CAPACITY}-place event (10).",
    )
    args = finish_args(parser, argv)
    if not 1 <= args.capacity <= 10_000:
        parser.error("--capacity must be between 1 and 10000")
    if not 0 <= args.races <= 100:
        parser.error("--races must be between 0 and 100")
    return args


def run(args: argparse.Namespace) -> int:
    database = open_database(args.database_url, args.reset)
    secret = secrets.token_urlsafe(48)
    cache_dir = tempfile.mkdtemp(prefix="vigil-bench-cache-")
    env = app_environment(database.url, secret, args.redis_url, cache_dir)
    env["VIGIL_RSVP_RATE_LIMIT"] = RSVP_RATE_LIMIT
    facts = machine_facts(args, database)
    facts.update(
        limiter="Redis" if args.redis_url else "memory",
        rsvp_rate_limit=RSVP_RATE_LIMIT,
        capacity=args.capacity,
        races=args.races,
        race_capacity=RACE_CAPACITY,
        race_places_left=RACE_CAPACITY - sum(RACE_TAKEN),
    )
    routes = {
        "hello_first": LoadFigures("`/healthz` (hello, first)", HELLO_PATH),
        "rsvp": RsvpFigures("`POST /events/<slug>/rsvp`", "/events/<slug>/rsvp"),
        "hello_last": LoadFigures("`/healthz` (hello, last)", HELLO_PATH),
    }
    rsvp = routes["rsvp"]
    assert isinstance(rsvp, RsvpFigures)
    races: list[Race] = []
    try:
        print(f"Preparing {facts['database']} with {args.events:,} events…", file=sys.stderr)
        flask_command(env, "db", "upgrade")
        flask_command(env, "venues", "import")
        flask_command(env, "statement", "load")
        flask_command(env, "demo", "seed", "--events", str(args.events))
        events = create_events(env, args.capacity, args.races)
        analyze(database)

        context = multiprocessing.get_context("spawn")
        processes = args.client_processes
        with gunicorn(env) as (port, pid), context.Pool(processes) as pool:
            pool.starmap(noop, [()] * processes)
            print(f"{args.connections} clients open their sessions…", file=sys.stderr)
            counts = [len(share) for share in _shares(range(args.connections), processes)]
            sessions = [
                session
                for part in pool.starmap(
                    open_sessions, [(port, events.measured, n) for n in counts if n]
                )
                for session in part
            ]

            def posts_to(slug: str) -> list[bytes]:
                return [post_bytes(port, slug, s, n) for n, s in enumerate(sessions)]

            if args.warmup:
                warmup = LoadFigures("warm-up", "")
                measure(
                    pool, port, pid, warmup, [HELLO_PATH], args.connections, processes, args.warmup
                )
                measure_posts(
                    pool, port, pid, warmup, posts_to(events.warmup), processes, args.warmup
                )

            first = routes["hello_first"]
            print(f"Measuring {plain(first.label)} for {args.seconds:g} s…", file=sys.stderr)
            measure(pool, port, pid, first, [HELLO_PATH], args.connections, processes, args.seconds)
            print(f"Measuring {plain(rsvp.label)} for {args.seconds:g} s…", file=sys.stderr)
            answers = measure_posts(
                pool, port, pid, rsvp, posts_to(events.measured), processes, args.seconds
            )
            rsvp.statuses = answers.statuses

            if args.races:
                print(
                    f"{args.races} races: {args.connections} clients at once for the last"
                    f" {facts['race_places_left']} of {RACE_CAPACITY} places…",
                    file=sys.stderr,
                )
            for slug in events.races:
                pending, _ = _start_posts(
                    pool, port, posts_to(slug), processes, RACE_TIMEOUT_S, 1, RACE_TIMEOUT_S
                )
                done = _gather(pending, RACE_TIMEOUT_S)
                races.append(Race(done.statuses, done.made, done.failed, done.latencies_s))

            last = routes["hello_last"]
            print(f"Measuring {plain(last.label)} for {args.seconds:g} s…", file=sys.stderr)
            measure(pool, port, pid, last, [HELLO_PATH], args.connections, processes, args.seconds)

        states = event_states(database.url, [events.measured, *events.races])
        races = [
            replace(race, state=states[slug])
            for race, slug in zip(races, events.races, strict=True)
        ]
        print("In-process: the SQL of one RSVP…", file=sys.stderr)
        in_process = rsvp_in_process(env, events.in_process)
    finally:
        close_database(database, args.keep)
        shutil.rmtree(cache_dir, ignore_errors=True)

    baseline = apply_baseline(routes, "hello_first", "hello_last")
    return report(args, facts, routes, states[events.measured], races, in_process, baseline)


# ------------------------------------------------------------------- the report


def _statuses_text(statuses: Mapping[int, int]) -> str:
    return ", ".join(f"{n:,} × {status or '?'}" for status, n in sorted(statuses.items()))


def _race_totals(races: Sequence[Race]) -> dict[str, Any]:
    answers: dict[int, int] = {}
    for race in races:
        for status, n in race.answers.items():
            answers[status] = answers.get(status, 0) + n
    states = [race.state for race in races if race.state is not None]
    latencies = [latency for race in races for latency in race.latencies_s]
    return {
        "answers": answers,
        "made": sum(race.made for race in races),
        "failed": sum(race.failed for race in races),
        "recorded": sum(state.rsvps - len(RACE_TAKEN) for state in states),
        "going_max": max((state.going_people for state in states), default=0),
        "overbooked": sum(state.overbooked for state in states),
        "lost": sum(state.lost_place for state in states),
        "p50_ms": 1000 * _percentile(latencies, 0.50),
        "p99_ms": 1000 * _percentile(latencies, 0.99),
    }


def markdown_table(
    routes: Mapping[str, LoadFigures],
    measured: EventState,
    races: Sequence[Race],
    facts: Mapping[str, Any],
) -> str:
    """The README table: the RSVP load, the races, and hello for comparison."""
    rsvp = routes["rsvp"]
    assert isinstance(rsvp, RsvpFigures)
    clients = facts["connections"]
    hello_rate = (routes["hello_first"].requests_per_s + routes["hello_last"].requests_per_s) / 2
    hello_cpus = [routes[key].app_cpu_ms_per_request for key in ("hello_first", "hello_last")]
    hello_cpu = None if None in hello_cpus else sum(c or 0.0 for c in hello_cpus) / 2

    def counts(statuses: Mapping[int, int], failed: int) -> str:
        not_ok = sum(n for status, n in statuses.items() if not 200 <= status < 400)
        return f"{not_ok:,} | {statuses.get(409, 0):,} | {statuses.get(500, 0):,} | {failed:,}"

    lines = [
        "| Phase | Clients | RSVPs/s | × hello | App CPU ms/RSVP | p50 ms | p99 ms"
        " | RSVPs recorded | Going / capacity | Overbooked | Non-2xx/3xx | 409 | 500 | Failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:"
        " | ---: |",
        f"| {rsvp.label}, one event of {measured.capacity} places | {clients}"
        f" | {rsvp.requests_per_s:,.0f} | {ratio_text(rsvp.ratio)}"
        f" | {optional(rsvp.app_cpu_ms_per_request, '.2f')} | {rsvp.p50_ms:.1f}"
        f" | {rsvp.p99_ms:.1f} | {measured.rsvps:,}"
        f" | {measured.going_people} / {measured.capacity} | {measured.overbooked}"
        f" | {counts(rsvp.statuses, rsvp.errors)} |",
    ]
    if races:
        totals = _race_totals(races)
        lines.append(
            f"| {len(races)} race{'s' if len(races) > 1 else ''}, all at once for the last"
            f" {facts['race_places_left']}"
            f" of {RACE_CAPACITY} places | {clients} | — | — | —"
            f" | {totals['p50_ms']:.1f} | {totals['p99_ms']:.1f} | {totals['recorded']:,}"
            f" | ≤ {totals['going_max']} / {RACE_CAPACITY} | {totals['overbooked']}"
            f" | {counts(totals['answers'], totals['failed'])} |"
        )
    lines.append(
        f"| `/healthz` (hello, mean of first and last) | {clients} | {hello_rate:,.0f} | 1.00"
        f" | {optional(hello_cpu, '.2f')} | — | — | — | — | — | — | — | — | — |"
    )
    lines.append("")
    lines.append(
        f"{facts['database']}, rate limits in {facts['limiter']}, Python {facts['python']},"
        f" {facts['nproc']} CPUs ({facts['machine']}); gunicorn {WORKERS} sync workers,"
        f" {clients} clients, each with its own session, {facts['seconds']:g} s;"
        f" {facts['events']:,} demo events. `VIGIL_RSVP_RATE_LIMIT={RSVP_RATE_LIMIT}`"
        " (every client comes from 127.0.0.1). RSVPs/s count the 303s to `/rsvp/done` (not"
        " followed) within the window; recorded (answers after the window included), going"
        " and overbooked are counted in the database afterwards."
    )
    return "\n".join(lines)


def check_targets(
    rsvp: LoadFigures,
    measured: EventState,
    races: Sequence[Race],
    facts: Mapping[str, Any],
) -> list[tuple[str, bool, str]]:
    """(target, met, detail) for each target of the issue, and the place-lost check."""
    speed = f"≥ {RSVPS_PER_S_TARGET:,.0f} RSVPs/s with {TARGET_CONNECTIONS} clients"
    if not facts["database"].startswith("PostgreSQL"):
        speed += " (applies on PostgreSQL)"
    elif facts["connections"] != TARGET_CONNECTIONS:
        speed += f" (measured with {facts['connections']})"
    states = [measured, *(race.state for race in races if race.state is not None)]
    overbooked = sum(state.overbooked for state in states)
    lost = sum(state.lost_place for state in states)
    return [
        (speed, rsvp.requests_per_s >= RSVPS_PER_S_TARGET, f"{rsvp.requests_per_s:,.0f}/s"),
        (
            f"0 overbooked (the measured event and {len(races)} races)",
            overbooked == 0,
            f"{overbooked} people beyond capacity",
        ),
        (
            "no place lost (no waitlisted party fits in the places left)",
            lost == 0,
            f"{lost} events with a place lost",
        ),
    ]


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    routes: dict[str, LoadFigures],
    measured: EventState,
    races: list[Race],
    in_process: InProcessRsvp,
    baseline: float,
) -> int:
    """Print the details, the table and the targets; write JSON; return the exit code."""
    rsvp = routes["rsvp"]
    assert isinstance(rsvp, RsvpFigures)
    print_load_details(
        list(routes.values()), routes["hello_first"], routes["hello_last"], facts["nproc"]
    )
    print(
        f"\nThe server ran with VIGIL_RSVP_RATE_LIMIT={RSVP_RATE_LIMIT!r} (default 10 per"
        " hour): every client comes from 127.0.0.1, which the limiter takes for one visitor."
        f"\n{args.connections} clients, each with its own session (one GET of the event"
        " page, not timed); an RSVP made = 303 to /rsvp/done (not followed)."
    )
    print(
        f"\nMeasured event: {rsvp.ok:,} RSVPs made in {args.seconds:g} s; answers:"
        f" {_statuses_text(rsvp.statuses) or 'none'}; {rsvp.errors} failed."
        f"\n  In the database: {measured.rsvps:,} RSVPs ({measured.going_rsvps} going,"
        f" {measured.waitlisted_rsvps:,} waitlisted; answers after the window are not"
        f" counted above), {measured.going_people} people going of {measured.capacity}"
        f" places, overbooked {measured.overbooked}, place lost: {measured.lost_place}."
    )
    for number, race in enumerate(races, 1):
        state = race.state
        assert state is not None
        print(
            f"  race {number:>2}: {_statuses_text(race.answers)}, {race.failed} failed;"
            f" last answer after {race.last_answer_ms:,.0f} ms; going {state.going_people}"
            f" of {state.capacity} ({state.going_rsvps} RSVPs), {state.waitlisted_rsvps}"
            f" waitlisted, overbooked {state.overbooked}, place lost: {state.lost_place}"
        )
    print(
        "\nIn-process (test client, same settings): one RSVP sends"
        f" {in_process.statements} SQL statements (commit: {in_process.commits},"
        f" rollback: {in_process.rollbacks}); median {in_process.median_ms:.1f} ms"
        f" ({in_process.median_cpu_ms:.1f} ms of CPU in this process, test client"
        f" included) of {IN_PROCESS_REPEAT} RSVPs."
    )

    table = markdown_table(routes, measured, races, facts)
    print("\n" + table + "\n")
    targets = check_targets(rsvp, measured, races, facts)
    for name, met, detail in targets:
        print(f"{'met   ' if met else 'MISSED'} {name}: {detail}")

    failures = failed_requests(list(routes.values())) + sum(
        race.failed + sum(race.answers.values()) - race.made for race in races
    )
    wrong = not all(met for _, met, _ in targets[1:])
    if failures:
        print(
            f"\n{failures} requests failed or had another answer than 303 to {DONE_PATH}:"
            " the figures are not valid."
        )
    if wrong:
        print("\nRSVPs were overbooked or a place was lost: capacity is not exact.")
    payload = {
        "facts": facts,
        "baseline_requests_per_s": baseline,
        "routes": {key: asdict(route) for key, route in routes.items()},
        "measured_event": asdict(measured)
        | {"overbooked": measured.overbooked, "lost_place": measured.lost_place},
        "races": [
            {key: value for key, value in asdict(race).items() if key != "latencies_s"}
            | {"last_answer_ms": race.last_answer_ms}
            for race in races
        ],
        "in_process": asdict(in_process),
        "table": table,
    }
    return finish(args, payload, targets, invalid=bool(failures) or wrong)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("bench/rsvp.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
