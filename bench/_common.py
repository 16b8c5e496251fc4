"""Machinery shared by the benchmark scripts (pages.py, feeds.py); not a script itself.

A scratch database filled with the project's own commands, gunicorn started as
``make run`` does (2 sync workers), a pure-Python load generator (client processes,
each driving its share of the connections with non-blocking sockets and a selector),
gunicorn's CPU time per request, SQL statements counted in-process through the Flask
test client, and the hello baseline every figure is divided by. bench/README.md and
the scripts' docstrings say what they measure and which databases they touch.

The scripts import it as ``_common``: ``python bench/<name>.py`` puts bench/ first
on ``sys.path``, and the client processes (started with "spawn") inherit that path.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, median
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench"
# A Redis database of its own, so the tests' database (1) is never touched.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
HOST = "127.0.0.1"
WORKERS = 2

# A request that takes longer than this counts as failed: the run must end by itself.
REQUEST_TIMEOUT_S = 10.0
# Upper bound on requests per connection per route, whatever the speed of the machine.
MAX_REQUESTS_PER_CONNECTION = 200_000
# The clients start together this long after the work is handed out.
START_DELAY_S = 0.5


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Fetched:
    """One response as received: status code, bytes on the wire, body, the ETag header."""

    status: int
    wire_bytes: int
    body: bytes
    complete: bool
    etag: str | None = None


def request_bytes(path: str, port: int, headers: Mapping[str, str] | None = None) -> bytes:
    """A whole GET request for ``path``, with ``headers`` (such as If-None-Match) added.

    A header of ``headers`` replaces the default of the same name (User-Agent,
    Accept, Accept-Encoding: identity), so ``{"Accept-Encoding": "gzip"}`` asks for
    what a browser asks for.
    """
    fields = {"User-Agent": "vigil-bench", "Accept": "text/html,*/*", "Accept-Encoding": "identity"}
    for name, value in (headers or {}).items():
        fields = {key: was for key, was in fields.items() if key.lower() != name.lower()}
        fields[name] = value
    lines = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{lines}Connection: close\r\n\r\n"
    ).encode("ascii")


def fetch(port: int, raw_request: bytes, timeout_s: float = REQUEST_TIMEOUT_S) -> Fetched:
    """Send one request on a new connection and read the response to the end.

    ``complete`` is false if the body is shorter or longer than its Content-Length.
    Raises OSError (including timeouts, after ``timeout_s`` without a byte) if the
    connection fails.
    """
    with socket.create_connection((HOST, port), timeout=timeout_s) as conn:
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
    etag = re.search(rb"(?im)^etag:\s*(\S+)\s*$", head)
    return Fetched(
        status, len(data), body, complete, None if etag is None else etag.group(1).decode()
    )


# ----------------------------------------------------------------- load generator


@dataclass
class LoadResult:
    """What one client process measured for one route.

    ``non_2xx`` counts the responses with another status than expected (any 2xx,
    unless a status was given).
    """

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
    port: int,
    requests: Sequence[bytes],
    connections: int,
    first: int,
    start_wall: float,
    s: float,
    expect_status: int | None = None,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> LoadResult:
    """Keep ``connections`` requests in flight from ``start_wall`` (epoch) for ``s`` seconds.

    Executed in a client process: one thread, non-blocking sockets and a selector,
    which costs far less CPU than a thread per connection. Each connection sends
    one request, reads the response until the server closes, then the next one
    starts on a new connection (closed loop). Requests go round ``requests``,
    starting at number ``first``. Responses that end after the window are not
    counted; those still in flight are abandoned. A response counts as ok if its
    status is ``expect_status`` (any 2xx when None) and its length is right; a
    request unanswered after ``timeout_s`` counts as failed.
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
            expected = (
                200 <= response.status < 300
                if expect_status is None
                else response.status == expect_status
            )
            if not expected:
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
                if now - key.data.sent_at > timeout_s:
                    assert isinstance(key.fileobj, socket.socket)
                    close(key.fileobj, failed=True)
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
        assert isinstance(key.fileobj, socket.socket)
        key.fileobj.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def noop() -> None:
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
    """One path measured in-process: SQL statements for one request, median time,
    and the body and ETag of the counted response."""

    statements: int
    median_ms: float
    body: bytes = field(default=b"", repr=False)
    etag: str | None = None


def measure_in_process(
    database_url: str,
    secret: str,
    paths: Sequence[str],
    repeat: int = 25,
    *,
    config: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    expect_status: int = 200,
) -> dict[str, InProcess]:
    """SQL statements sent for one request to each path, and the median time of
    ``repeat`` requests, in this process through the Flask test client.

    The page cache is off unless ``config`` (app settings, without the VIGIL_
    prefix) turns it on; ``headers`` go with every request. Each path is requested
    once first so that first-use work (a new connection, template compilation, with
    the cache on: filling it) does not count. Raises BenchError if the counted
    response's status is not ``expect_status``.
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
            **(config or {}),
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
            client.get(path, headers=headers)
            statements = 0
            event.listen(engine, "before_cursor_execute", _count)
            try:
                response = client.get(path, headers=headers)
            finally:
                event.remove(engine, "before_cursor_execute", _count)
            if response.status_code != expect_status:
                raise BenchError(f"GET {path} answered {response.status_code} in-process")
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path, headers=headers)
                times.append(time.perf_counter() - started)
            results[path] = InProcess(
                statements, 1000 * median(times), response.get_data(), response.headers.get("ETag")
            )
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
class LoadFigures:
    """What the load generator and gunicorn's CPU time say about one route."""

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
    cpu_ratio: float | None = None


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    pool: Any,
    port: int,
    server_pid: int,
    figures: LoadFigures,
    paths: Sequence[str],
    connections: int,
    processes: int,
    seconds: float,
    *,
    headers: Mapping[str, str] | None = None,
    expect_status: int | None = None,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> None:
    """Load ``paths`` (in turn) with ``connections`` clients for ``seconds``; fill ``figures``.

    ``headers``, ``expect_status`` and ``timeout_s`` as in ``request_bytes`` and
    ``run_client_process``.
    """
    requests = [request_bytes(path, port, headers) for path in paths]
    shares = [connections // processes + (k < connections % processes) for k in range(processes)]
    firsts = [sum(shares[:k]) for k in range(processes)]
    start_wall = time.time() + START_DELAY_S
    pending = pool.starmap_async(
        run_client_process,
        [
            (port, requests, share, first, start_wall, seconds, expect_status, timeout_s)
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


def plain(label: str) -> str:
    """A Markdown label without its backticks, for the terminal."""
    return label.replace("`", "")


def optional(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def kb(n: int) -> str:
    """Bytes as kB (1,000 bytes) with one decimal."""
    return f"{n / 1000:,.1f}"


def ratio_text(ratio: float) -> str:
    """A ratio with two decimals, or as "1/N" when that would round to 0.00."""
    return f"1/{1 / ratio:,.0f}" if 0 < ratio < 0.005 else f"{ratio:.2f}"


def apply_baseline(routes: Mapping[str, LoadFigures], first: str, last: str) -> float:
    """Set every route's ratios against the mean of the hello routes ``first`` and
    ``last`` (requests/s, and gunicorn's CPU time per request); return that mean."""
    baseline = mean([routes[first].requests_per_s, routes[last].requests_per_s])
    first_cpu, last_cpu = routes[first].app_cpu_ms_per_request, routes[last].app_cpu_ms_per_request
    for route in routes.values():
        route.ratio = route.requests_per_s / baseline if baseline else 0.0
        if route.app_cpu_ms_per_request and first_cpu and last_cpu:
            route.cpu_ratio = mean([first_cpu, last_cpu]) / route.app_cpu_ms_per_request
    return baseline


def print_load_details(
    routes: Sequence[LoadFigures], first: LoadFigures, last: LoadFigures, nproc: int | None
) -> None:
    """The detail table of the load runs, the hello baseline and its drift, and a
    warning when hello drifted or other programs were busy."""
    width = max(26, *(len(plain(route.label)) + 2 for route in routes))
    print()
    print(
        f"{'route':<{width}}{'req/s':>7}{'× hello':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'app ms/req':>11}{'× hello':>8}{'app CPU':>8}{'clients':>8}{'other':>7}"
        f"{'non-2xx':>8}{'failed':>7}"
    )
    for route in routes:
        cpu = route.app_cpu_ms_per_request
        print(
            f"{plain(route.label):<{width}}{route.requests_per_s:>7,.0f}"
            f"{ratio_text(route.ratio):>8}"
            f"{route.p50_ms:>8.1f}{route.p99_ms:>8.1f}{optional(cpu, '.2f'):>11}"
            f"{'—' if route.cpu_ratio is None else ratio_text(route.cpu_ratio):>8}"
            f"{optional(route.server_cpu_share, '.0%'):>8}"
            f"{route.client_cpu_share:>8.0%}{optional(route.other_cpu_share, '.0%'):>7}"
            f"{route.non_2xx:>8}{route.errors + route.incomplete:>7}"
        )
    first_s, last_s = first.requests_per_s, last.requests_per_s
    baseline = mean([first_s, last_s])
    drift = (last_s - first_s) / first_s if first_s else 0.0
    print(
        f"\nHello baseline: {baseline:,.0f} req/s, the mean of first {first_s:,.0f} and last"
        f" {last_s:,.0f} (drift {drift:+.0%})."
        "\nThe second '× hello' compares gunicorn's CPU time per request, which a busy machine"
        "\ndisturbs less than requests/s. CPU shares are of all the machine's"
        f" {nproc} CPUs: gunicorn,\nthe load-generating clients, and everything else"
        " (the database server, other programs)."
    )
    busiest = max((route.other_cpu_share or 0.0 for route in routes), default=0.0)
    if abs(drift) > 0.2 or busiest > 0.3:
        print(
            "Warning: hello drifted or other programs were busy; the ratios are unreliable."
            " Run again on a quieter machine."
        )


def failed_requests(routes: Sequence[LoadFigures]) -> int:
    """Requests that failed, were incomplete or had an unexpected status."""
    return sum(route.non_2xx + route.incomplete + route.errors for route in routes)


# --------------------------------------------------------------- command line


def bench_parser(description: str, events: int = 1000) -> argparse.ArgumentParser:
    """The options every benchmark script takes (see ``finish_args``); ``events`` is
    the default of ``--events``."""
    parser = argparse.ArgumentParser(
        description=description,
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
    parser.add_argument(
        "--events", type=int, default=events, help=f"Demo events (default {events})."
    )
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
    return parser


def finish_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv`` and check the common options (exits with 2 on a bad value)."""
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


Target = tuple[str, bool, str]


def finish(
    args: argparse.Namespace,
    payload: dict[str, Any],
    targets: Sequence[Target],
    *,
    invalid: bool,
) -> int:
    """Write ``payload`` (plus the targets) to ``--json`` and return the exit code.

    1 when the run is ``invalid`` (failed requests, broken capacity), 3 with
    ``--check`` when a target is missed, else 0.
    """
    if args.json:
        payload = {
            **payload,
            "targets": [{"target": n, "met": m, "detail": d} for n, m, d in targets],
        }
        args.json.write_text(
            json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if invalid:
        return 1
    if args.check and not all(met for _, met, _ in targets):
        return 3
    return 0


def machine_facts(args: argparse.Namespace, database: Database) -> dict[str, Any]:
    """The database, Python, machine and load settings of a run, for the report."""
    return {
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


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_main(name: str, run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Call ``run(args)`` and turn BenchError and interruptions into exit codes 2 and 130."""
    # Stopped with SIGTERM too, the script still stops gunicorn and empties its database.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run(args)
    except BenchError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted.", file=sys.stderr)
        return 130
