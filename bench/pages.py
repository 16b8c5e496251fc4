"""Page benchmark: requests/second of the public pages as ratios against a bare "hello" route.

Not a timed test: it prints figures for a person to read (and paste into README.md).
The machines we run on are shared and noisy, so absolute times mean little; every
page is therefore reported as a ratio against ``GET /healthz`` (returns "ok", touches
no database) served by the same gunicorn in the same run. Hello is measured first
and last; the baseline is the mean of the two, and their difference shows the drift.

What it does, in order:

1. Builds a database (a temporary SQLite file unless told otherwise) with the
   project's own commands: ``db upgrade``, ``venues import``, ``statement load``,
   ``demo seed --events N`` (N = 1,000 by default).
2. Starts gunicorn on 127.0.0.1 (2 sync workers, as ``make run`` does) and measures
   ``/healthz``, ``/``, ``/events`` (page 1), the event pages linked from page 1 of
   ``/events`` (in turn) and ``/healthz`` again, each for ``--seconds`` with
   ``--connections`` closed-loop clients, after a short warm-up. It also reports
   the bytes on the wire per page (status line, headers, body) alone and with every
   stylesheet and script the page references, and the CPU gunicorn spent per request.
3. Counts the SQL statements of one request to each page in-process (the Flask
   test client on the same database, a ``before_cursor_execute`` listener; SQLite's
   explicit ``BEGIN`` counts as one) and times the page there too.
4. Adds N more events (``demo seed --force``) and does step 3 again: the counts
   must not grow with the number of events.
5. Prints a Markdown table for README.md, checks the targets, writes ``--json``.

The load generator is pure Python (no wrk needed): ``--client-processes`` processes
share the connections, each driving its share with non-blocking sockets and a
selector. gunicorn's sync workers close the connection after every response (they
do not do keep-alive), so each request opens a new loopback connection, as a
reverse proxy in front of gunicorn typically does. Only 2xx responses whose length
matches Content-Length count; anything else is reported, and makes the exit code 1.
The run stops by itself: every route is bounded in time and in request count.

The detail table also shows where the machine's CPU went during each route
(gunicorn, the clients, everything else) and gunicorn's CPU time per request,
which noise disturbs less than requests/second. When other programs were busy or
hello drifted by more than 20%, it says the ratios are unreliable: run it again.
On PostgreSQL the script runs ANALYZE after seeding, as autovacuum would on a live
site; without statistics the planner picks plans many times slower.

Targets (issue: page speed; they apply on PostgreSQL):

- ``/events`` at least 0.30 x hello in requests/second;
- SQL statements per request independent of the number of events;
- every page at most 50 kB transferred with its CSS and scripts.

Usage (from the project root; ``make bench`` runs the second line with ``--reset``)::

    .venv/bin/python bench/pages.py                      # temporary SQLite file
    .venv/bin/python bench/pages.py --postgres           # PostgreSQL, see below
    .venv/bin/python bench/pages.py --database-url URL [--reset] [--json out.json]

Databases. Without ``--database-url`` the script uses ``BENCH_DATABASE_URL`` or else
a temporary SQLite file removed afterwards.
``--postgres`` means ``postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench``
(loopback, trust authentication); a PostgreSQL database that does not exist is
created first, through the ``postgres`` maintenance database. So, for PostgreSQL:

    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://…/other --reset

The benchmark fills the database and then empties it again (``--keep`` leaves the
data for a look afterwards). Because emptying a database destroys it, the script
refuses to start on a database that already has tables, unless ``--reset`` is
given: then it first drops them (PostgreSQL: ``DROP SCHEMA public CASCADE; CREATE
SCHEMA public``; SQLite: the file is deleted). Never point it at real data.

Exit codes: 0 done (targets missed are printed, and give 3 only with ``--check``),
1 a request failed or a page gave a non-2xx status, 2 cannot run (refused database,
a setup command or gunicorn failed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import re
import resource
import secrets
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from statistics import mean, median
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench"
# A Redis database of its own, so the tests' database (1) is never touched.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
HOST = "127.0.0.1"
WORKERS = 2

# Targets from the issue (they apply on PostgreSQL).
EVENTS_RATIO_TARGET = 0.30
PAGE_BYTES_TARGET = 50_000

# A request that takes longer than this counts as failed: the run must end by itself.
REQUEST_TIMEOUT_S = 10.0
# Upper bound on requests per connection per route, whatever the speed of the machine.
MAX_REQUESTS_PER_CONNECTION = 200_000
# The clients start together this long after the work is handed out.
START_DELAY_S = 0.5
SLUG_LINK = re.compile(r'href="/events/([^"/?#]+)"')


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Fetched:
    """One response as received: status code, bytes on the wire, body."""

    status: int
    wire_bytes: int
    body: bytes
    complete: bool


def request_bytes(path: str, port: int) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: vigil-bench\r\n"
        "Accept: text/html,*/*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


def fetch(port: int, raw_request: bytes) -> Fetched:
    """Send one request on a new connection and read the response to the end.

    ``complete`` is false if the body is shorter or longer than its Content-Length.
    Raises OSError (including timeouts) if the connection fails.
    """
    with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT_S) as conn:
        conn.sendall(raw_request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return parse_response(b"".join(chunks))


def parse_response(data: bytes) -> Fetched:
    """Status, size and body of a whole HTTP/1.1 response read until the server closed."""
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head[9:12])
    except ValueError:
        return Fetched(0, len(data), b"", complete=False)
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    complete = length is None or int(length.group(1)) == len(body)
    return Fetched(status, len(data), body, complete)


class _AssetFinder(HTMLParser):
    """Collects the stylesheets and scripts a page makes the browser download."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.urls.append(values.get("href", ""))
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def page_weight(port: int, path: str) -> tuple[int, int, list[str]]:
    """Wire bytes of the page alone and with its stylesheets and scripts (and what
    those import through ``url()``/``@import``), each asset counted once.

    Raises BenchError if the page or one of its local assets does not answer 200;
    assets on other hosts are refused, since the CSP allows none.
    """
    page = fetch(port, request_bytes(path, port))
    if page.status != 200:
        raise BenchError(f"GET {path} answered {page.status}")
    finder = _AssetFinder()
    finder.feed(page.body.decode("utf-8", "replace"))
    pending = [urljoin(path, url) for url in finder.urls if url and not url.startswith("data:")]
    seen: list[str] = []
    total = page.wire_bytes
    while pending:
        url = pending.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            raise BenchError(f"{path} loads {url} from another site")
        if url in seen:
            continue
        seen.append(url)
        asset = fetch(port, request_bytes(url, port))
        if asset.status != 200:
            raise BenchError(f"{path} references {url}, which answered {asset.status}")
        total += asset.wire_bytes
        if parts.path.endswith(".css"):
            for match in _CSS_URL.finditer(asset.body.decode("utf-8", "replace")):
                target = match.group(1) or match.group(2)
                if not target.startswith("data:"):
                    pending.append(urljoin(url, target))
    return page.wire_bytes, total, seen


# ----------------------------------------------------------------- load generator


@dataclass
class LoadResult:
    """What one client process measured for one route."""

    ok: int = 0
    non_2xx: int = 0
    incomplete: int = 0
    errors: int = 0
    latencies_s: list[float] = field(default_factory=list)
    cpu_s: float = 0.0

    def add(self, other: LoadResult) -> None:
        self.ok += other.ok
        self.non_2xx += other.non_2xx
        self.incomplete += other.incomplete
        self.errors += other.errors
        self.latencies_s.extend(other.latencies_s)
        self.cpu_s += other.cpu_s


@dataclass
class _Exchange:
    """One request in flight: what is left to send, what came back, when it started."""

    unsent: bytes
    sent_at: float
    chunks: list[bytes] = field(default_factory=list)


def run_client_process(
    port: int, requests: Sequence[bytes], connections: int, first: int, start_wall: float, s: float
) -> LoadResult:
    """Keep ``connections`` requests in flight from ``start_wall`` (epoch) for ``s`` seconds.

    Executed in a client process: one thread, non-blocking sockets and a selector,
    which costs far less CPU than a thread per connection. Each connection sends
    one request, reads the response until the server closes, then the next one
    starts on a new connection (closed loop). Requests go round ``requests``,
    starting at number ``first``. Responses that end after the window are not
    counted; those still in flight are abandoned.
    """
    start = time.monotonic() + (start_wall - time.time())
    end = start + s
    result = LoadResult()
    selector = selectors.DefaultSelector()
    numbers = itertools.count(first)
    budget = connections * MAX_REQUESTS_PER_CONNECTION

    def open_connection() -> None:
        nonlocal budget
        if budget <= 0:
            return
        budget -= 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((HOST, port))  # completes (or fails) when writable
        exchange = _Exchange(requests[next(numbers) % len(requests)], time.monotonic())
        selector.register(sock, selectors.EVENT_WRITE, exchange)

    def close(sock: socket.socket, failed: bool) -> None:
        selector.unregister(sock)
        sock.close()
        if failed:
            result.errors += 1
            time.sleep(0.001)  # a refused connection would otherwise spin
        open_connection()

    def finish(sock: socket.socket, exchange: _Exchange) -> None:
        done_at = time.monotonic()
        response = parse_response(b"".join(exchange.chunks))
        selector.unregister(sock)
        sock.close()
        if done_at <= end:
            if not 200 <= response.status < 300:
                result.non_2xx += 1
            elif not response.complete:
                result.incomplete += 1
            else:
                result.ok += 1
                result.latencies_s.append(done_at - exchange.sent_at)
            open_connection()

    time.sleep(max(0.0, start - time.monotonic()))
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(connections):
        open_connection()
    next_timeout_scan = start + 1.0
    while selector.get_map() and (now := time.monotonic()) < end:
        for key, events in selector.select(timeout=min(0.1, end - now)):
            sock, exchange = key.fileobj, key.data
            assert isinstance(sock, socket.socket)
            try:
                if events & selectors.EVENT_WRITE:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        close(sock, failed=True)
                        continue
                    exchange.unsent = exchange.unsent[sock.send(exchange.unsent) :]
                    if not exchange.unsent:
                        selector.modify(sock, selectors.EVENT_READ, exchange)
                elif chunk := sock.recv(65536):
                    exchange.chunks.append(chunk)
                else:
                    finish(sock, exchange)
            except BlockingIOError:
                continue
            except OSError:
                close(sock, failed=True)
        if now > next_timeout_scan:
            next_timeout_scan = now + 1.0
            for key in list(selector.get_map().values()):
                if now - key.data.sent_at > REQUEST_TIMEOUT_S:
                    assert isinstance(key.fileobj, socket.socket)
                    close(key.fileobj, failed=True)
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
        assert isinstance(key.fileobj, socket.socket)
        key.fileobj.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def _noop() -> None:
    """Makes a pool start its processes before the first measurement."""


# ------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _machine_busy_s() -> float | None:
    """CPU seconds all CPUs have spent on anything but idling, since boot (Linux /proc)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    except (OSError, IndexError):
        return None
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _process_tree_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids.extend(int(child) for child in (task / "children").read_text().split())
        for one in pids:
            with suppress(FileNotFoundError):
                fields = Path(f"/proc/{one}/stat").read_text().rpartition(")")[2].split()
                total += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return None
    return total


@contextmanager
def gunicorn(env: Mapping[str, str]) -> Iterator[tuple[int, int]]:
    """Run gunicorn (2 sync workers) on a free loopback port; yield (port, pid).

    Raises BenchError, with the end of gunicorn's log, if it does not answer
    /healthz within 30 seconds.
    """
    port = _free_port()
    handle, log_name = tempfile.mkstemp(prefix="vigil-bench-gunicorn-", suffix=".log")
    os.close(handle)
    log_path = Path(log_name)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise BenchError(f"gunicorn exited with {server.returncode}:\n{_tail(log_path)}")
            with suppress(OSError):
                if fetch(port, request_bytes("/healthz", port)).status == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer in 30 s:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log_path.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ------------------------------------------------------------------ the database


@dataclass
class Database:
    """The database under test and how to leave it."""

    url: str
    kind: str  # "sqlite" or "postgresql"
    version: str
    temporary_dir: Path | None = None


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BenchError("SQLite needs a file: gunicorn's workers must share the database.")
    return Path(database)


def _postgres_has_tables(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names(schema="public"))
    finally:
        engine.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _create_postgres_database_if_missing(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                name = conn.dialect.identifier_preparer.quote(target.database or "")
                conn.execute(text(f"CREATE DATABASE {name}"))
                print(f"Created the PostgreSQL database {target.database}.", file=sys.stderr)
    finally:
        admin.dispose()


def open_database(url: str | None, reset: bool) -> Database:
    """Check that the database is empty (or empty it with ``reset``) and describe it.

    Raises BenchError when the database has tables and ``reset`` is false: the
    benchmark would otherwise destroy them when it cleans up.
    """
    refusal = (
        "The database {name} already has tables. The benchmark fills and then empties its"
        " database, which would destroy them. Point --database-url at a scratch database,"
        " or pass --reset to drop everything in it first."
    )
    if url is None:
        directory = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
        return Database(
            f"sqlite:///{directory / 'vigil.db'}", "sqlite", sqlite3.sqlite_version, directory
        )
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not path.parent.is_dir():
            raise BenchError(f"The directory of the SQLite file, {path.parent}, does not exist.")
        if path.exists() and path.stat().st_size > 0:
            with sqlite3.connect(path) as conn:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
                has_tables = tables.fetchone()[0] > 0
            if has_tables and not reset:
                raise BenchError(refusal.format(name=path))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return Database(url, "sqlite", sqlite3.sqlite_version)
    if not url.startswith("postgresql"):
        raise BenchError("--database-url must be a sqlite:// or postgresql+psycopg:// URL.")
    _create_postgres_database_if_missing(url)
    if _postgres_has_tables(url):
        if not reset:
            raise BenchError(refusal.format(name=make_url(url).database))
        print(f"--reset: emptying {make_url(url).database}.", file=sys.stderr)
        _empty_postgres(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = str(conn.scalar(text("SHOW server_version"))).split()[0]
    finally:
        engine.dispose()
    return Database(url, "postgresql", version)


def close_database(database: Database, keep: bool) -> None:
    """Leave the database as empty as it was found, unless ``keep``."""
    if database.temporary_dir is not None:
        if keep:
            print(f"Kept the SQLite database in {database.temporary_dir}.", file=sys.stderr)
        else:
            shutil.rmtree(database.temporary_dir, ignore_errors=True)
    elif keep:
        print("Kept the benchmark data (--keep).", file=sys.stderr)
    elif database.kind == "sqlite":
        path = _sqlite_path(database.url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _empty_postgres(database.url)


def app_environment(
    database_url: str, secret: str, redis_url: str | None, cache_dir: str
) -> dict[str, str]:
    """The environment for the flask commands and gunicorn: no VIGIL_* from outside.

    With Redis the page cache is shared by the workers, as in production;
    without, it lives in a temporary folder of this run.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIL_")}
    env.update(
        VIGIL_SECRET_KEY=secret,
        VIGIL_DATABASE_URL=database_url,
        VIGIL_SECURE_COOKIES="false",
        VIGIL_LOG_LEVEL="WARNING",
        VIGIL_CACHE_DIR=cache_dir,
    )
    if redis_url:
        env["VIGIL_REDIS_URL"] = redis_url
    return env


def flask_command(env: Mapping[str, str], *args: str) -> None:
    """Run ``flask --app wsgi ARGS`` from the project root; BenchError if it fails."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"  flask {' '.join(args)}: {time.monotonic() - started:.1f} s. {last}", file=sys.stderr)


@dataclass(frozen=True)
class InProcess:
    """One path measured in-process: SQL statements for one request, median time."""

    statements: int
    median_ms: float


def measure_in_process(
    database_url: str, secret: str, paths: Sequence[str], repeat: int = 25
) -> dict[str, InProcess]:
    """SQL statements sent for one request to each path, and the median time of
    ``repeat`` requests, in this process through the Flask test client.

    Each path is requested once first so that first-use work (a new connection,
    template compilation) does not count. Raises BenchError on a non-200.
    """
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "SECRET_KEY": secret,
            "DATABASE_URL": database_url,
            "SECURE_COOKIES": False,
            "LOG_LEVEL": "WARNING",
            # Rendering cost and SQL of a cache miss: the served figures above are mostly hits.
            "PAGE_CACHE_SECONDS": 0,
        },
        environ={},
    )
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    statements = 0

    def _count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    results: dict[str, InProcess] = {}
    try:
        for path in paths:
            client.get(path)
            statements = 0
            event.listen(engine, "before_cursor_execute", _count)
            try:
                response = client.get(path)
            finally:
                event.remove(engine, "before_cursor_execute", _count)
            if response.status_code != 200:
                raise BenchError(f"GET {path} answered {response.status_code} in-process")
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path)
                times.append(time.perf_counter() - started)
            results[path] = InProcess(statements, 1000 * median(times))
    finally:
        engine.dispose()
    return results


def analyze(database: Database) -> None:
    """Give PostgreSQL's planner statistics for the rows just seeded.

    A live site gets them from autovacuum within a minute or so; straight after a
    bulk insert the planner believes the tables are nearly empty and picks plans
    that are far slower (measured: 17 ms instead of 0.2 ms for page 1 of /events
    at 2,000 events). SQLite is left alone: Vigil never runs ANALYZE there.
    """
    if database.kind != "postgresql":
        return
    engine = create_engine(database.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- the run


@dataclass
class RouteFigures:
    """Everything measured for one route."""

    label: str
    path: str
    requests_per_s: float = 0.0
    ratio: float = 0.0
    ok: int = 0
    non_2xx: int = 0
    incomplete: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    app_cpu_ms_per_request: float | None = None
    client_cpu_share: float = 0.0
    server_cpu_share: float | None = None
    other_cpu_share: float | None = None
    html_bytes: int = 0
    bytes_with_assets: int = 0
    assets: list[str] = field(default_factory=list)
    cpu_ratio: float | None = None
    queries: int | None = None
    queries_more_events: int | None = None
    in_process_ms: float | None = None
    in_process_ms_more_events: float | None = None


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    pool: Any,
    port: int,
    server_pid: int,
    figures: RouteFigures,
    paths: Sequence[str],
    connections: int,
    processes: int,
    seconds: float,
) -> None:
    """Load ``paths`` (in turn) with ``connections`` clients for ``seconds``; fill ``figures``."""
    requests = [request_bytes(path, port) for path in paths]
    shares = [connections // processes + (k < connections % processes) for k in range(processes)]
    firsts = [sum(shares[:k]) for k in range(processes)]
    start_wall = time.time() + START_DELAY_S
    pending = pool.starmap_async(
        run_client_process,
        [
            (port, requests, share, first, start_wall, seconds)
            for share, first in zip(shares, firsts, strict=True)
            if share
        ],
    )
    # CPU is sampled at the edges of the clients' window, not around the hand-over.
    time.sleep(max(0.0, start_wall - time.time()))
    cpu_before, busy_before = _process_tree_cpu_s(server_pid), _machine_busy_s()
    time.sleep(max(0.0, start_wall + seconds - time.time()))
    cpu_after, busy_after = _process_tree_cpu_s(server_pid), _machine_busy_s()
    total = LoadResult()
    for part in pending.get(timeout=seconds + START_DELAY_S + 60):
        total.add(part)
    figures.ok, figures.non_2xx = total.ok, total.non_2xx
    figures.incomplete, figures.errors = total.incomplete, total.errors
    figures.requests_per_s = total.ok / seconds
    figures.p50_ms = 1000 * _percentile(total.latencies_s, 0.50)
    figures.p99_ms = 1000 * _percentile(total.latencies_s, 0.99)
    cores = os.cpu_count() or 1
    figures.client_cpu_share = total.cpu_s / (seconds * cores)
    if cpu_before is not None and cpu_after is not None:
        figures.server_cpu_share = (cpu_after - cpu_before) / (seconds * cores)
        if total.ok:
            figures.app_cpu_ms_per_request = 1000 * (cpu_after - cpu_before) / total.ok
        if busy_before is not None and busy_after is not None:
            machine = (busy_after - busy_before) / (seconds * cores)
            figures.other_cpu_share = max(
                0.0, machine - figures.server_cpu_share - figures.client_cpu_share
            )


def _plain(label: str) -> str:
    return label.replace("`", "")


def _optional(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def markdown_table(routes: Sequence[RouteFigures], facts: Mapping[str, Any]) -> str:
    """The README table: one row per route, ratios against the mean of both hello runs."""
    events = facts["events"]
    lines = [
        f"| Route | Requests/s | × hello | App CPU ms/request | SQL per uncached request"
        f" ({events:,} → {2 * events:,} events) | HTML kB | With CSS+JS kB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for route in routes:
        cpu = route.app_cpu_ms_per_request
        queries = f"{route.queries} → {route.queries_more_events}"
        lines.append(
            f"| {route.label} | {route.requests_per_s:,.0f} | {route.ratio:.2f}"
            f" | {'—' if cpu is None else f'{cpu:.1f}'} | {queries}"
            f" | {_kb(route.html_bytes)} | {_kb(route.bytes_with_assets)} |"
        )
    lines.append("")
    lines.append(
        f"{facts['database']}, Python {facts['python']}, {facts['nproc']} CPUs"
        f" ({facts['machine']}); gunicorn {WORKERS} sync workers, {facts['connections']}"
        f" connections, {facts['seconds']:g} s per route, {events:,} demo events."
        f" Ratios against the mean of the two hello runs; kB = 1,000 bytes on the wire"
        f" (headers included, no compression)."
    )
    return "\n".join(lines)


def check_targets(
    routes: Mapping[str, RouteFigures], database_kind: str
) -> list[tuple[str, bool, str]]:
    """(target, met, detail) for each target of the issue."""
    events = routes["events"]
    pages = [routes[key] for key in ("home", "events", "event")]
    grew = [page.label for page in pages if page.queries_more_events != page.queries]
    heaviest = max(pages, key=lambda page: page.bytes_with_assets)
    results = [
        (
            f"/events ≥ {EVENTS_RATIO_TARGET:.2f} × hello",
            events.ratio >= EVENTS_RATIO_TARGET,
            f"{events.ratio:.2f} × hello",
        ),
        (
            "SQL statements per request independent of the number of events",
            not grew,
            "same counts" if not grew else "grew on " + ", ".join(grew),
        ),
        (
            f"each page ≤ {PAGE_BYTES_TARGET // 1000} kB with its CSS and scripts",
            heaviest.bytes_with_assets <= PAGE_BYTES_TARGET,
            f"heaviest {heaviest.label}: {_kb(heaviest.bytes_with_assets)} kB",
        ),
    ]
    if database_kind != "postgresql":
        results = [(f"{name} (targets apply on PostgreSQL)", met, d) for name, met, d in results]
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/second of Vigil's public pages as ratios against a hello route.",
        epilog="See the module docstring (bench/README.md) for the databases it will touch.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="SQLAlchemy URL (default: $BENCH_DATABASE_URL or a temporary SQLite file)."
        " It must have no tables, unless --reset.",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="Redis for the app's page cache and limits (default: $BENCH_REDIS_URL; with"
        f" --postgres {DEFAULT_REDIS_URL}; else none).",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"Use {DEFAULT_POSTGRES_URL} (created if missing).",
    )
    parser.add_argument(
        "--reset", action="store_true", help="Drop everything in the database first."
    )
    parser.add_argument("--keep", action="store_true", help="Leave the benchmark data behind.")
    parser.add_argument("--events", type=int, default=1000, help="Demo events (default 1000).")
    parser.add_argument("--connections", type=int, default=50, help="Concurrent clients (50).")
    parser.add_argument("--seconds", type=float, default=5.0, help="Seconds per route (5).")
    parser.add_argument("--warmup", type=float, default=1.0, help="Warm-up seconds (1).")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=max(1, min(4, (os.cpu_count() or 1) // 2)),
        help="Processes sharing the clients (default: half the CPUs, 1 to 4).",
    )
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    parser.add_argument("--check", action="store_true", help="Exit with 3 if a target is missed.")
    args = parser.parse_args(argv)
    if args.postgres:
        args.database_url = DEFAULT_POSTGRES_URL
        args.redis_url = args.redis_url or DEFAULT_REDIS_URL
    if not 1 <= args.events <= 100_000:
        parser.error("--events must be between 1 and 100000")
    if not 1 <= args.connections <= 1000:
        parser.error("--connections must be between 1 and 1000")
    if not 0.5 <= args.seconds <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--seconds must be 0.5 to 600 and --warmup 0 to 60")
    args.client_processes = max(1, min(args.client_processes, args.connections))
    return args


def run(args: argparse.Namespace) -> int:
    database = open_database(args.database_url, args.reset)
    secret = secrets.token_urlsafe(48)
    env = app_environment(
        database.url, secret, args.redis_url, tempfile.mkdtemp(prefix="vigil-bench-cache-")
    )
    facts: dict[str, Any] = {
        "database": f"{'PostgreSQL' if database.kind == 'postgresql' else 'SQLite'}"
        f" {database.version}",
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "events": args.events,
        "connections": args.connections,
        "seconds": args.seconds,
        "client_processes": args.client_processes,
        "workers": WORKERS,
    }
    routes = {
        "hello_first": RouteFigures("`/healthz` (hello, first)", "/healthz"),
        "home": RouteFigures("`/`", "/"),
        "events": RouteFigures("`/events`", "/events"),
        "event": RouteFigures("`/events/<slug>`", "/events/<slug>"),
        "hello_last": RouteFigures("`/healthz` (hello, last)", "/healthz"),
    }
    try:
        print(f"Preparing {facts['database']} with {args.events:,} events…", file=sys.stderr)
        flask_command(env, "db", "upgrade")
        flask_command(env, "venues", "import")
        flask_command(env, "statement", "load")
        flask_command(env, "demo", "seed", "--events", str(args.events))
        analyze(database)

        context = multiprocessing.get_context("spawn")
        with gunicorn(env) as (port, pid), context.Pool(args.client_processes) as pool:
            listing = fetch(port, request_bytes("/events", port))
            slugs = list(dict.fromkeys(SLUG_LINK.findall(listing.body.decode("utf-8"))))
            if listing.status != 200 or not slugs:
                raise BenchError(f"/events answered {listing.status} with no event links")
            event_paths = [f"/events/{slug}" for slug in slugs]
            paths = {key: [route.path] for key, route in routes.items()}
            paths["event"] = event_paths

            for route in routes.values():
                if route.path == "/events/<slug>":
                    weights = [page_weight(port, path) for path in event_paths]
                    heaviest = max(weights, key=lambda weight: weight[1])
                    route.html_bytes, route.bytes_with_assets, route.assets = heaviest
                else:
                    route.html_bytes, route.bytes_with_assets, route.assets = page_weight(
                        port, route.path
                    )

            pool.starmap(_noop, [()] * args.client_processes)
            if args.warmup:
                every = [*paths["hello_first"], *paths["home"], *paths["events"], *event_paths]
                warmup = RouteFigures("warm-up", "")
                measure(
                    pool,
                    port,
                    pid,
                    warmup,
                    every,
                    args.connections,
                    args.client_processes,
                    args.warmup,
                )
            for key, route in routes.items():
                print(f"Measuring {route.path} for {args.seconds:g} s…", file=sys.stderr)
                measure(
                    pool,
                    port,
                    pid,
                    route,
                    paths[key],
                    args.connections,
                    args.client_processes,
                    args.seconds,
                )

        query_paths = ["/healthz", "/", "/events", event_paths[0]]
        before = measure_in_process(database.url, secret, query_paths)
        print(f"Adding {args.events:,} more events…", file=sys.stderr)
        flask_command(env, "demo", "seed", "--events", str(args.events), "--force")
        analyze(database)
        after = measure_in_process(database.url, secret, query_paths)
    finally:
        close_database(database, args.keep)

    for key, route in routes.items():
        path = event_paths[0] if key == "event" else route.path
        route.queries, route.queries_more_events = before[path].statements, after[path].statements
        route.in_process_ms = before[path].median_ms
        route.in_process_ms_more_events = after[path].median_ms
    baseline = mean([routes["hello_first"].requests_per_s, routes["hello_last"].requests_per_s])
    hello_cpu = [routes[key].app_cpu_ms_per_request for key in ("hello_first", "hello_last")]
    for route in routes.values():
        route.ratio = route.requests_per_s / baseline if baseline else 0.0
        first_cpu, last_cpu = hello_cpu
        if route.app_cpu_ms_per_request and first_cpu and last_cpu:
            route.cpu_ratio = mean([first_cpu, last_cpu]) / route.app_cpu_ms_per_request
    return report(args, facts, routes, baseline)


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    routes: dict[str, RouteFigures],
    baseline: float,
) -> int:
    """Print the details, the table and the targets; write JSON; return the exit code."""
    first, last = routes["hello_first"].requests_per_s, routes["hello_last"].requests_per_s
    print()
    print(
        f"{'route':<26}{'req/s':>7}{'× hello':>8}{'p50 ms':>8}{'p99 ms':>8}{'app ms/req':>11}"
        f"{'× hello':>8}{'app CPU':>8}{'clients':>8}{'other':>7}{'non-2xx':>8}{'failed':>7}"
    )
    for route in routes.values():
        cpu = route.app_cpu_ms_per_request
        print(
            f"{_plain(route.label):<26}{route.requests_per_s:>7,.0f}{route.ratio:>8.2f}"
            f"{route.p50_ms:>8.1f}{route.p99_ms:>8.1f}{_optional(cpu, '.2f'):>11}"
            f"{_optional(route.cpu_ratio, '.2f'):>8}{_optional(route.server_cpu_share, '.0%'):>8}"
            f"{route.client_cpu_share:>8.0%}{_optional(route.other_cpu_share, '.0%'):>7}"
            f"{route.non_2xx:>8}{route.errors + route.incomplete:>7}"
        )
    drift = (last - first) / first if first else 0.0
    print(
        f"\nHello baseline: {baseline:,.0f} req/s, the mean of first {first:,.0f} and last"
        f" {last:,.0f} (drift {drift:+.0%})."
        "\nThe second '× hello' compares gunicorn's CPU time per request, which a busy machine"
        "\ndisturbs less than requests/s. CPU shares are of all the machine's"
        f" {facts['nproc']} CPUs: gunicorn,\nthe load-generating clients, and everything else"
        " (the database server, other programs)."
    )
    busiest = max((route.other_cpu_share or 0.0 for route in routes.values()), default=0.0)
    if abs(drift) > 0.2 or busiest > 0.3:
        print(
            "Warning: hello drifted or other programs were busy; the ratios are unreliable."
            " Run again on a quieter machine."
        )
    for route in routes.values():
        if route.assets:
            print(f"{route.path} loads {', '.join(route.assets)}")

    more = 2 * args.events
    print("\nIn-process (test client, page cache off): SQL statements and median ms per request")
    print(f"  {'route':<26}{f'{args.events:,} events':>18}{f'{more:,} events':>18}")
    for route in routes.values():
        print(
            f"  {_plain(route.label):<26}{route.queries:>6} SQL{route.in_process_ms:>6.1f} ms"
            f"{route.queries_more_events:>6} SQL{route.in_process_ms_more_events:>6.1f} ms"
        )

    print("\n" + markdown_table(list(routes.values()), facts) + "\n")
    targets = check_targets(routes, facts["database"].split()[0].lower())
    for name, met, detail in targets:
        print(f"{'met   ' if met else 'MISSED'} {name}: {detail}")

    failures = sum(route.non_2xx + route.incomplete + route.errors for route in routes.values())
    if failures:
        print(f"\n{failures} requests failed or were not 2xx: the figures are not valid.")
    if args.json:
        routes_json = {key: asdict(route) for key, route in routes.items()}
        args.json.write_text(
            json.dumps(
                {
                    "facts": facts,
                    "baseline_requests_per_s": baseline,
                    "routes": routes_json,
                    "targets": [{"target": n, "met": m, "detail": d} for n, m, d in targets],
                    "table": markdown_table(list(routes.values()), facts),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if failures:
        return 1
    if args.check and not all(met for _, met, _ in targets):
        return 3
    return 0


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped with SIGTERM too, the script still stops gunicorn and empties its database.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run(args)
    except BenchError as exc:
        print(f"bench/pages.py: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench/pages.py: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
