"""What the benchmark scripts share (bench/README.md says what they measure): a scratch
database, gunicorn as ``make run`` starts it, the load from wrk, gunicorn's CPU time,
SQL counted in-process, the hello baseline, the tables, ``--json`` and the exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
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
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from statistics import mean, median
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"  # not the tests' database (1)
HOST, WORKERS, HELLO_PATH = "127.0.0.1", 2, "/healthz"
TIMEOUT_S = 10  # a request unanswered after this has failed (wrk takes whole seconds)


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Fetched:
    """One response: status, bytes on the wire (status line and headers included),
    the header block and the body as sent (gzipped if it was)."""

    status: int
    wire_bytes: int
    head: str
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        found = re.search(rf"(?im)^{re.escape(name)}:[ \t]*(.*?)\s*$", self.head)
        return found.group(1) if found else None

    @property
    def complete(self) -> bool:
        """False if the body is shorter or longer than its Content-Length."""
        return int(self.header("Content-Length") or len(self.body)) == len(self.body)


def fetch(
    port: int,
    path: str,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "GET",
    body: bytes = b"",
    timeout_s: float = TIMEOUT_S,
) -> Fetched:
    """One request on a new connection, read until the server closes; ``headers``
    replace the defaults (``Accept-Encoding: identity``…). OSError if it fails."""
    fields = {"Host": f"{HOST}:{port}", "User-Agent": "vigil-bench", "Accept": "text/html,*/*"}
    fields |= {"Accept-Encoding": "identity", "Connection": "close", **(headers or {})}
    fields |= {"Content-Length": str(len(body))} if body else {}
    lines = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    with socket.create_connection((HOST, port), timeout=timeout_s) as conn:
        conn.sendall(f"{method} {path} HTTP/1.1\r\n{lines}\r\n".encode("ascii") + body)
        data = b"".join(iter(lambda: conn.recv(65536), b""))
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head[9:12]) if head[9:12].isdigit() else 0
    return Fetched(status, len(data), head.decode("latin-1"), rest)


class _Assets(HTMLParser):
    """Collects the stylesheets and scripts a page makes the browser download."""

    urls: list[str]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.urls.append(values.get("href", ""))
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def page_weight(port: int, path: str) -> tuple[int, int, list[str]]:
    """Wire bytes of the page alone and with its stylesheets and scripts (and what
    their ``url()``/``@import`` load), each asset once; and the assets. BenchError if
    one does not answer 200 or is on another site (the CSP allows none)."""
    page, finder = fetch(port, path), _Assets()
    if page.status != 200:
        raise BenchError(f"GET {path} answered {page.status}")
    finder.urls = []
    finder.feed(page.body.decode("utf-8", "replace"))
    pending = [urljoin(path, url) for url in finder.urls if url and not url.startswith("data:")]
    seen: list[str] = []
    total = page.wire_bytes
    while pending:
        url = pending.pop(0)
        if urlsplit(url).netloc:
            raise BenchError(f"{path} loads {url} from another site")
        if url in seen:
            continue
        seen.append(url)
        asset = fetch(port, url)
        if asset.status != 200:
            raise BenchError(f"{path} references {url}, which answered {asset.status}")
        total += asset.wire_bytes
        if urlsplit(url).path.endswith(".css"):
            for found in _CSS_URL.finditer(asset.body.decode("utf-8", "replace")):
                target = found.group(1) or found.group(2)
                if not target.startswith(("data:", "#")):  # "#default#VML" is no file
                    pending.append(urljoin(url, target))
    return page.wire_bytes, total, seen


# ------------------------------------------------------------------- the load (wrk)


@dataclass
class Request:
    """One request of a wrk run (a run sends its requests in turn)."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass
class Load:
    """One route: what wrk and gunicorn's CPU time said, and what the script adds.
    ``ok``: the answers below 400 (or what the run's Lua ``tally`` counted);
    ``non_2xx``: the other answers; ``errors``: failed connections and timeouts."""

    label: str
    path: str
    bare: bool = False  # served by bench/hello.py, the baseline, not by Vigil
    requests_per_s: float = 0.0
    ratio: float = 0.0
    ok: int = 0
    non_2xx: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    app_cpu_ms_per_request: float | None = None
    cpu_ratio: float | None = None
    wire_bytes: int = 0  # one response: status line, headers, body
    statements: int | None = None  # SQL statements of one request, in-process
    in_process_ms: float | None = None  # median time of one request, in-process


# The requests go round (each thread from the first); done() prints the results for
# Server.load. A run may add response() and tally(threads, out), which adds results.
_LUA = """
local specs = {
%s
}
local requests, n = {}, 0
function init(args)
  for k, s in ipairs(specs) do requests[k] = wrk.format(s[1], s[2], s[3], s[4]) end
end
function request()
  n = n %% #requests + 1
  return requests[n]
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency)
  local e = summary.errors
  local out = {requests = summary.requests, duration_us = summary.duration,
    status_errors = e.status, socket_errors = e.connect + e.read + e.write,
    timeouts = e.timeout, p50_us = latency:percentile(50), p99_us = latency:percentile(99)}
  if tally then tally(threads, out) end
  for key, value in pairs(out) do io.write("wrk-result ", key, " ", tostring(value), "\\n") end
end
"""


def _lua(value: str) -> str:
    """A Lua string literal (JSON's syntax, for printable ASCII)."""
    if not (value.isascii() and value.isprintable()):
        raise BenchError(f"wrk's script takes printable ASCII, not {value!r}")
    return json.dumps(value)


def _lua_row(one: Request) -> str:
    headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in one.headers.items())
    body = "nil" if one.body is None else _lua(one.body)
    return "  {" + f"{_lua(one.method)}, {_lua(one.path)}, {{{headers}}}, {body}" + "},"


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its children (Linux /proc)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids.extend(int(child) for child in (task / "children").read_text().split())
    ticks = 0
    for one in pids:
        with suppress(FileNotFoundError):
            fields = Path(f"/proc/{one}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def workers_rss_kb(pid: int) -> list[int]:
    """Resident memory (kB) of each gunicorn worker of master ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with suppress(FileNotFoundError):
                status = Path(f"/proc/{child}/status").read_text()
                found += [int(n) for n in re.findall(r"(?m)^VmRSS:\s+(\d+) kB", status)]
    return sorted(found)


def hello_route(when: str) -> Load:
    """The baseline, measured first and last: the bare hello app (bench/hello.py)."""
    return Load(f"bare Flask hello ({when})", HELLO_PATH, bare=True)


@dataclass
class Server:
    """A running Vigil and the bare hello app beside it, and the options of the run."""

    port: int
    pid: int
    hello_port: int
    hello_pid: int
    args: argparse.Namespace

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Fetched:
        return fetch(self.port, path, headers)

    def load(
        self,
        route: Load,
        requests: Sequence[str | Request],
        headers: Mapping[str, str] | None = None,
        *,
        seconds: int | None = None,
        connections: int | None = None,
        lua: str = "",
        timeout_s: int = TIMEOUT_S,
    ) -> dict[str, float]:
        """Send ``requests`` in turn (paths: GETs with ``headers``) from ``connections``
        (``--connections``) for ``seconds`` (``--seconds``) with wrk; fill ``route``
        and return wrk's results, with what ``lua`` adds. BenchError if wrk fails.

        gunicorn's sync workers close the connection after each response, so each
        request comes on a new one, as from a reverse proxy in front of gunicorn.
        """
        seconds, connections = seconds or self.args.seconds, connections or self.args.connections
        if route.label != "warm-up":
            print(f"Measuring {route.label.replace('`', '')} for {seconds} s…", file=sys.stderr)
        rows = [Request("GET", r, headers or {}) if isinstance(r, str) else r for r in requests]
        with tempfile.NamedTemporaryFile("w", prefix="vigil-bench-", suffix=".lua") as script:
            script.write(_LUA % "\n".join(map(_lua_row, rows)) + lua)
            script.flush()
            command = ["wrk", "-t", str(min(self.args.threads, connections)), "-c"]
            command += [str(connections), "-d", f"{seconds}s", "--timeout", f"{timeout_s}s"]
            port, pid = (self.hello_port, self.hello_pid) if route.bare else (self.port, self.pid)
            before = _cpu_s(pid)
            done = subprocess.run(
                [*command, "-s", script.name, f"http://{HOST}:{port}/"],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
            )
            app_s = _cpu_s(pid) - before
        lines = [line.split() for line in done.stdout.splitlines()]
        found = {line[1]: float(line[2]) for line in lines if line[:1] == ["wrk-result"]}
        if done.returncode != 0 or "requests" not in found:
            raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        route.ok = int(found.get("ok", found["requests"] - found["status_errors"]))
        route.non_2xx = int(found["requests"]) - route.ok
        route.errors = int(found["socket_errors"] + found["timeouts"])
        route.requests_per_s = route.ok / (found["duration_us"] / 1e6)
        route.p50_ms, route.p99_ms = found["p50_us"] / 1000, found["p99_us"] / 1000
        route.app_cpu_ms_per_request = 1000 * app_s / route.ok if route.ok else None
        return found

    def warm_up(
        self, requests: Sequence[str | Request], headers: Mapping[str, str] | None = None
    ) -> None:
        """A load of ``--warmup`` seconds (none if 0) whose figures are thrown away."""
        if self.args.warmup:
            self.load(Load("warm-up", ""), requests, headers, seconds=self.args.warmup)


def _answers(port: int) -> bool:
    with suppress(OSError):
        return fetch(port, HELLO_PATH).status == 200
    return False


@contextmanager
def _serve(app: str, cwd: Path, env: Mapping[str, str]) -> Iterator[tuple[int, int]]:
    """gunicorn (2 sync workers) serving ``app`` on a free loopback port: (port, pid).
    BenchError, with the end of its log, if it does not answer /healthz in 30 s."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers"]
    # As `make run`: --preload makes the app (and the rate-limit keys' secret) in the master.
    command += [str(WORKERS), "--no-control-socket", "--preload", "--log-level", "warning", app]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while not _answers(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace").splitlines()[-30:]
                    raise BenchError(f"{app} did not answer /healthz:\n" + "\n".join(tail))
                time.sleep(0.2)
            yield port, server.pid
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextmanager
def gunicorn(env: Mapping[str, str], args: argparse.Namespace) -> Iterator[Server]:
    """Vigil and the bare hello app (bench/hello.py), each under the same gunicorn
    settings as ``make run``, while the block runs."""
    with (
        _serve("wsgi:app", PROJECT_ROOT, env) as (port, pid),
        _serve("hello:app", Path(__file__).parent, env) as (hello_port, hello_pid),
    ):
        yield Server(port, pid, hello_port, hello_pid, args)


# ------------------------------------------------------------------ the database


def _postgres(url: str, statement: str, **params: str) -> Any:
    """Run one statement outside a transaction; return its first value (None: no rows)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def open_postgres(url: str, reset: bool, reuse: bool = False) -> str:
    """Create the database if missing and check that it has no tables, or drop them
    with ``reset``; return "PostgreSQL <version>". BenchError if it has tables and not
    ``reset``: the benchmark empties its database afterwards, which would destroy them."""
    name = make_url(url).database or ""
    if not url.startswith("postgresql") or not re.fullmatch(r"\w+", name):
        raise BenchError("--database-url must be postgresql+psycopg://…/<a plain name>.")
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    if not _postgres(admin, "SELECT 1 FROM pg_database WHERE datname = :name", name=name):
        _postgres(admin, f'CREATE DATABASE "{name}"')
        print(f"Created the PostgreSQL database {name}.", file=sys.stderr)
    if _postgres(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"):
        if reuse:
            print(f"--reuse: keeping the data in {name}.", file=sys.stderr)
        elif not reset:
            raise BenchError(
                f"The database {name} already has tables. The benchmark fills and then empties"
                " its database, which would destroy them. Point --database-url at a scratch"
                " database, or pass --reset to drop everything in it first."
            )
        else:
            print(f"--reset: emptying {name}.", file=sys.stderr)
            empty_postgres(url)
    return f"PostgreSQL {_postgres(url, 'SHOW server_version').split()[0]}"


def empty_postgres(url: str) -> None:
    _postgres(url, "DROP SCHEMA public CASCADE")
    _postgres(url, "CREATE SCHEMA public")


def flask_command(env: Mapping[str, str], *args: str) -> None:
    """Run ``flask --app wsgi ARGS`` from the project root; BenchError if it fails."""
    started = time.monotonic()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=dict(env), capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"  flask {' '.join(args)}: {time.monotonic() - started:.1f} s. {last}", file=sys.stderr)


@dataclass
class Scratch:
    """A benchmark's filled database, and the app's secret, environment and folder."""

    url: str
    secret: str
    env: dict[str, str]
    folder: Path
    facts: dict[str, Any]

    def add_events(self, count: int) -> None:
        print(f"Seeding {count:,} more demo events…", file=sys.stderr)
        flask_command(self.env, "demo", "seed", "--events", str(count), "--force")
        self.analyze()

    def grow_to(self, events: int) -> None:
        """Add demo events until there are ``events``; BenchError if there are more."""
        found = self.count_events()
        if found > events:
            raise BenchError(f"The database holds {found:,} events, more than {events:,}.")
        if found < events:
            self.add_events(events - found)
        self.facts["events"] = events

    def count_events(self) -> int:
        return int(self.scalar("SELECT count(*) FROM events") or 0)

    def scalar(self, statement: str) -> Any:
        """The first value of one SQL statement on the benchmark's database."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement)).scalar()
        finally:
            engine.dispose()

    def analyze(self) -> None:
        """Planner statistics for the rows just added, as autovacuum gives a live site
        (without them PostgreSQL picks far slower plans: 17 ms instead of 0.2 ms for
        /events at 2,000 events). Vigil never runs ANALYZE on SQLite."""
        if self.url.startswith("postgresql"):
            _postgres(self.url, "ANALYZE")


@contextmanager
def scratch(args: argparse.Namespace, **settings: str) -> Iterator[Scratch]:
    """The database (``--database-url``, else a temporary SQLite file), filled as a new
    site is (``db upgrade``, ``venues import``, ``statement load``, ``demo seed``),
    emptied at the end unless ``--keep``.

    The app's environment has no VIGIL_* from outside, plus ``settings``. With Redis the
    page cache is shared by the workers, as in production; else it is in files.
    """
    reuse = args.reuse and args.database_url
    database = open_postgres(args.database_url, args.reset, reuse) if args.database_url else None
    folder = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'vigil.db'}"
    secret = secrets.token_urlsafe(48)
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIL_")}
    env |= {"VIGIL_SECRET_KEY": secret, "VIGIL_DATABASE_URL": url, "VIGIL_LOG_LEVEL": "WARNING"}
    env |= {"VIGIL_SECURE_COOKIES": "false", "VIGIL_CACHE_DIR": str(folder / "cache")}
    env |= ({"VIGIL_REDIS_URL": args.redis_url} if args.redis_url else {}) | settings
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    facts = {
        "database": database or f"SQLite {sqlite3.sqlite_version}",
        "cache": "Redis" if args.redis_url else "files",
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "wrk": (re.findall(r"\d+\.\d+\.\d+", version) or ["?"])[0],
        "workers": WORKERS,
        **{
            key: vars(args)[key] for key in ("events", "sizes", "connections", "seconds", "threads")
        },
    }
    try:
        print(f"Preparing {facts['database']} with {args.events:,} events…", file=sys.stderr)
        flask_command(env, "db", "upgrade")
        found = Scratch(url, secret, env, folder, facts)
        if not (reuse and found.count_events()):
            flask_command(env, "venues", "import")
            flask_command(env, "statement", "load")
        found.grow_to(args.events)  # then ANALYZE
        yield found
    finally:
        if args.keep:
            print(f"Kept the benchmark data (--keep) in {url}.", file=sys.stderr)
        elif args.database_url:
            empty_postgres(url)
        if not args.keep or args.database_url:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class InProcess:
    """One request in-process: its SQL statements, the median wall and CPU times of
    more requests, and the counted response's body and ETag."""

    statements: int
    median_ms: float
    median_cpu_ms: float
    body: bytes = field(repr=False)
    etag: str | None


def measure_in_process(
    s: Scratch,
    paths: Sequence[str],
    repeat: int = 25,
    *,
    config: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    expect_status: int = 200,
    form: Callable[[Any, int], Mapping[str, str]] | None = None,
    budget_s: float = 3.0,
    warm: bool = True,
) -> dict[str, InProcess]:
    """Through the Flask test client in this process: the SQL statements of one
    request to each path and the median times of ``repeat`` more (fewer, at least one,
    once they took ``budget_s``: a feed of 100,000 events takes many seconds).

    The page cache is off unless ``config`` (app settings) turns it on; ``headers``
    go with every request; with ``form(client, number)`` the requests POST that form.
    A first request to each path is not counted (connecting, compiling templates,
    filling the cache) unless not ``warm``. BenchError if the counted status is not
    ``expect_status``.
    """
    from app import create_app
    from app.extensions import db

    settings = {"SECRET_KEY": s.secret, "DATABASE_URL": s.url, "SECURE_COOKIES": False}
    settings["BASE_URL"] = "http://localhost"  # the host Flask's test client sends
    settings |= {"LOG_LEVEL": "WARNING", "PAGE_CACHE_SECONDS": 0, **(config or {})}
    app = create_app(settings, environ={})
    client, sent, statements = app.test_client(), 0, 0
    with app.app_context():
        engine = db.engine

    def send(path: str) -> Any:
        nonlocal sent
        sent += 1
        if form is None:
            return client.get(path, headers=headers)
        return client.post(path, headers=headers, data=form(client, sent))

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    results = {}
    try:
        for path in paths:
            if warm:
                send(path)
            statements = 0
            event.listen(engine, "before_cursor_execute", count)
            try:
                response = send(path)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            if response.status_code != expect_status:
                raise BenchError(f"{path} answered {response.status_code} in-process")
            times, cpu_times = [], []
            deadline = time.perf_counter() + budget_s
            while len(times) < repeat and (not times or time.perf_counter() < deadline):
                started, cpu_started = time.perf_counter(), time.process_time()
                send(path)
                times.append(1000 * (time.perf_counter() - started))
                cpu_times.append(1000 * (time.process_time() - cpu_started))
            results[path] = InProcess(
                statements,
                median(times),
                median(cpu_times),
                response.get_data(),
                response.headers.get("ETag"),
            )
    finally:
        engine.dispose()
    return results


# ---------------------------------------------------------------------- the report


def optional(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def kb(n: int) -> str:
    """Bytes as kB (1,000 bytes) with one decimal."""
    return f"{n / 1000:,.1f}"


def ratio_text(ratio: float | None) -> str:
    """A ratio with two decimals, or as "1/N" when that would round to 0.00."""
    if ratio is None:
        return "—"
    return f"1/{1 / ratio:,.0f}" if 0 < ratio < 0.005 else f"{ratio:.2f}"


def markdown(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table, the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def apply_baseline(routes: Mapping[str, Load]) -> None:
    """Set every route's ratios against the mean of ``hello_first`` and ``hello_last``:
    of requests/s, and of gunicorn's CPU time per request (which a busy machine
    disturbs less)."""
    first, last = routes["hello_first"], routes["hello_last"]
    baseline = mean([first.requests_per_s, last.requests_per_s])
    hello_cpu = [first.app_cpu_ms_per_request or 0.0, last.app_cpu_ms_per_request or 0.0]
    for route in routes.values():
        route.ratio = route.requests_per_s / baseline if baseline else 0.0
        if route.app_cpu_ms_per_request and all(hello_cpu):
            route.cpu_ratio = mean(hello_cpu) / route.app_cpu_ms_per_request


def route_table(
    routes: Mapping[str, Load], header: Sequence[str] = (), extra: Mapping[str, list[Any]] = {}
) -> list[str]:
    """The routes as a Markdown table: the load (a route without load has no rate;
    "failed": answers not ok and requests without answer), SQL and time in-process,
    the size of a response, then the ``header`` columns: ``extra[key]`` or "—"."""
    columns = ["Route", "Requests/s", "× hello", "App CPU ms/request", "× hello (CPU)"]
    columns += ["p50 ms", "p99 ms", "Failed", "SQL per request", "In-process ms", "kB"]
    rows = []
    for key, r in routes.items():
        load = [f"{r.requests_per_s:,.0f}", ratio_text(r.ratio)] if r.ok else ["—", "—"]
        load += [optional(r.app_cpu_ms_per_request, ".2f"), ratio_text(r.cpu_ratio)]
        load += [f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}"] if r.ok else ["—", "—"]
        load += [f"{r.non_2xx + r.errors:,}", optional(r.statements, "d")]
        load += [optional(r.in_process_ms, ".1f"), kb(r.wire_bytes) if r.wire_bytes else "—"]
        rows.append([r.label, *load, *extra.get(key, ["—"] * len(header))])
    return markdown([*columns, *header], rows)


Target = tuple[str, bool, str]


def postgres_only(targets: list[Target], facts: Mapping[str, Any]) -> list[Target]:
    """The targets, marked as applying on PostgreSQL when the run was not on it."""
    if facts["database"].startswith("PostgreSQL"):
        return targets
    return [(f"{name} (applies on PostgreSQL)", met, d) for name, met, d in targets]


def finish(
    args: argparse.Namespace,
    s: Scratch,
    routes: Mapping[str, Load],
    table: Sequence[str],
    targets: Sequence[Target],
    *,
    failed: int = 0,
    broken: str | None = None,
    **results: Any,
) -> int:
    """Print the hello baseline, ``table`` with the set-up under it, and the targets;
    write them and ``results`` to ``--json``. Return the exit code: 1 when requests
    failed (the routes', plus ``failed``) or the run is ``broken`` (the message says
    how), 3 with ``--check`` when a target is missed, else 0."""
    for key in [key for key in routes if key.endswith("hello_first")]:  # one pair per size
        at = key.removesuffix("hello_first")
        first, last = routes[key].requests_per_s, routes[f"{at}hello_last"].requests_per_s
        drift = (last - first) / first if first else 0.0
        at = f" ({at.strip('/')} events)" if at else ""
        print(
            f"\nBare hello{at}: {mean([first, last]):,.0f} req/s,"
            f" mean of {first:,.0f} and {last:,.0f}."
        )
        if abs(drift) > 0.2:
            print(f"Warning: hello drifted by {drift:+.0%}; the ratios are unreliable. Run again.")
    f = s.facts
    events = " and ".join(f"{n:,}" for n in f["sizes"])
    setup = (
        f"{f['database']}, page cache in {f['cache']}, Python {f['python']}, {f['nproc']} CPUs"
        f" ({f['machine']}); gunicorn {WORKERS} sync workers; wrk {f['wrk']},"
        f" {f['connections']} connections, {f['seconds']} s per route; {events} demo"
        " events. Ratios against the mean of the bare Flask hello app (bench/hello.py) first"
        " and last; kB = 1,000 bytes on the wire (headers included); SQL and times"
        " in-process (test client)."
    )
    report = "\n".join([*table, "", setup])
    print(f"\n{report}\n")
    for name, met, detail in targets:
        print(f"{'met   ' if met else 'MISSED'} {name}: {detail}")
    failed += sum(route.non_2xx + route.errors for route in routes.values())
    if failed:
        print(f"\n{failed} requests failed or had an unexpected status: the figures are not valid.")
    if broken:
        print(f"\n{broken}")
    if args.json:
        results |= {"facts": f, "routes": {key: asdict(r) for key, r in routes.items()}}
        results |= {"table": report, "targets": [list(target) for target in targets]}
        dump = json.dumps(results, ensure_ascii=False, indent=2, default=str)
        args.json.write_text(dump + "\n", encoding="utf-8")
    if failed or broken:
        return 1
    return 3 if args.check and not all(met for _, met, _ in targets) else 0


# ------------------------------------------------------------------ command line


def _sizes(text: str) -> list[int]:
    """``--events``: "1000" or growing sizes "1000,100000", each 1 to 100,000."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or list of numbers: {text!r}") from None
    if not all(1 <= n <= 100_000 for n in sizes) or sizes != sorted(set(sizes)):
        raise argparse.ArgumentTypeError("sizes must grow, each 1 to 100,000")
    return sizes


def main(
    description: str,
    run: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
    options: Sequence[tuple[str, int, str, int, int]] = (),
    events: int = 1000,
    texts: Sequence[tuple[str, str]] = (),
) -> int:
    """Parse the options of every script, ``options`` (flag, default, help, lowest,
    highest; a default of False makes a switch) and ``texts`` (flag, help: a text, None
    when not given), then ``run(args)``. Exit codes: 2 for a bad option, a missing wrk
    or a BenchError, 130 when interrupted."""
    parser = argparse.ArgumentParser(description=description, epilog="See bench/README.md.")
    add = parser.add_argument
    scratch_db = "A scratch PostgreSQL database, refused if it has tables unless --reset"
    add("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), help=scratch_db)
    add("--redis-url", default=os.environ.get("BENCH_REDIS_URL"), help="Redis for the app")
    add("--postgres", action="store_true", help=f"{DEFAULT_POSTGRES_URL} and {DEFAULT_REDIS_URL}")
    add("--reset", action="store_true", help="Drop everything in the database first.")
    add("--keep", action="store_true", help="Leave the benchmark data behind.")
    add("--json", type=Path, help="Also write the results to this file.")
    add("--check", action="store_true", help="Exit with 3 if a target is missed.")
    add("--reuse", action="store_true", help="Keep data left by --keep; seed only what is missing.")
    sizes = "Demo events, or sizes measured in turn (1000,100000)"
    add("--events", type=_sizes, default=[events], help=f"{sizes}; {events}, at most 100,000.")
    threads = max(1, min(4, (os.cpu_count() or 1) // 2))  # half the CPUs
    numbers = list(options)
    numbers += [("--connections", 50, "Concurrent connections", 1, 1000)]
    numbers += [("--seconds", 5, "Seconds per route", 1, 600), ("--warmup", 1, "Warm-up", 0, 60)]
    numbers += [("--threads", threads, "wrk's threads", 1, 64)]
    for flag, default, words, low, high in numbers:
        if default is False:
            add(flag, action="store_true", help=f"{words}.")
        else:
            add(flag, type=int, default=default, help=f"{words} ({default}; {low} to {high}).")
    for flag, words in texts:
        add(flag, help=words)
    args = parser.parse_args(argv)
    for flag, default, _, low, high in numbers:
        if default is not False and not low <= vars(args)[flag[2:].replace("-", "_")] <= high:
            parser.error(f"{flag} must be {low} to {high}")
    args.sizes, args.events = args.events, args.events[0]
    if args.postgres:  # BENCH_DATABASE_URL and BENCH_REDIS_URL, else the defaults
        args.database_url = args.database_url or DEFAULT_POSTGRES_URL
        args.redis_url = args.redis_url or DEFAULT_REDIS_URL
    if shutil.which("wrk") is None:
        parser.exit(2, "wrk is missing: `make bench` installs it as root, or: apt install wrk\n")
    # On SIGTERM too, stop gunicorn and empty the database.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run(args)
    except BenchError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted.", file=sys.stderr)
        return 130
