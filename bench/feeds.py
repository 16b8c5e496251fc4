"""Feed benchmark: requests/second of ``/calendar.ics`` as ratios against a bare "hello" route.

Not a timed test: it prints figures for a person to read (and paste into README.md).
It shares its machinery with pages.py (``_common``): the same scratch database, the
same gunicorn (2 sync workers, as ``make run``), the same load generator and the same
baseline, ``GET /healthz`` measured first and last on the same server.

``/calendar.ics`` (every public event, no filter) is rendered once per data change and
kept in the page cache (Redis with ``--postgres``, else files in a temporary folder),
with a strong ETag. The script measures, with ``--events`` demo events (1,000):

1. hello (first);
2. the feed from the cache: a plain GET, answered 200 with the whole body;
3. the feed revalidated: ``If-None-Match: <its ETag>``, answered 304 with no body;
4. the feed with the cache off: a second gunicorn, started with
   ``VIGIL_PAGE_CACHE_SECONDS=0``, rebuilds it for every request. A rebuild takes
   a good part of a second, so this row uses ``--cold-connections`` (4: two per
   worker, enough to keep both busy) for ``--cold-seconds`` (10); with 50
   connections each request would wait in gunicorn's queue longer than the
   client's timeout, and the throughput would be the same. This server is stopped
   (it finishes what it has started) before hello is measured again;
5. hello (last), on the first server.

In-process (the Flask test client on the same database) it then counts the SQL
statements of one request and times it: the cached 200 and the 304 (page cache on,
in a temporary folder: they must send no SQL), and the uncached build, whose median
time over several builds, size and number of VEVENTs it reports. It adds
``--events`` more events and builds the feed again: the SQL count must not grow.

Targets (they apply on PostgreSQL):

- the 304 at least 0.60 x hello in requests/second;
- a fresh (cached) 1,000-event feed at least 0.10 x hello;
- SQL statements per uncached build independent of the number of events.

Usage (from the project root; ``make bench-feeds`` runs the second line with ``--reset``)::

    .venv/bin/python bench/feeds.py                      # temporary SQLite file
    .venv/bin/python bench/feeds.py --postgres           # PostgreSQL and Redis on loopback
    .venv/bin/python bench/feeds.py --database-url URL [--reset] [--json out.json]

Databases, ``--reset``, ``--keep`` and exit codes are those of pages.py (see its
docstring): the script refuses a database that has tables unless ``--reset``, and
empties its database afterwards. Exit codes: 0 done, 1 a request failed or had an
unexpected status, 2 cannot run, 3 with ``--check`` when a target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _common import (
    WORKERS,
    BenchError,
    InProcess,
    LoadFigures,
    analyze,
    app_environment,
    apply_baseline,
    bench_parser,
    close_database,
    failed_requests,
    fetch,
    finish,
    finish_args,
    flask_command,
    gunicorn,
    kb,
    machine_facts,
    measure,
    measure_in_process,
    noop,
    open_database,
    optional,
    plain,
    print_load_details,
    ratio_text,
    request_bytes,
    run_main,
)

FEED_PATH = "/calendar.ics"
HELLO_PATH = "/healthz"

# Targets from the issue (they apply on PostgreSQL).
NOT_MODIFIED_RATIO_TARGET = 0.60
FRESH_RATIO_TARGET = 0.10

# Uncached builds timed in-process per size (each takes a good part of a second).
BUILDS = 9
# A rebuilt feed can wait behind the others in gunicorn's queue; gunicorn's own
# worker timeout (30 s) still bounds each request.
COLD_TIMEOUT_S = 60.0
# The page cache of the in-process app when it is on (any value above 0 will do).
CACHE_ON_SECONDS = 60


@dataclass
class FeedFigures(LoadFigures):
    """Everything measured for one route of this benchmark."""

    wire_bytes: int = 0  # one response: status line, headers, body
    statements: int | None = None  # SQL statements of one request, in-process
    in_process_ms: float | None = None  # median in-process time of one request


@dataclass(frozen=True)
class Build:
    """The uncached feed built in-process with a given number of events."""

    events: int
    statements: int
    median_ms: float
    feed_bytes: int
    gzip_bytes: int  # what a proxy compressing at gzip level 6 would send
    vevents: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_parser(
        "Requests/second of Vigil's /calendar.ics (cached, 304 and rebuilt) as ratios"
        " against a hello route."
    )
    parser.add_argument(
        "--cold-connections",
        type=int,
        default=2 * WORKERS,
        help=f"Concurrent clients for the feed with the cache off ({2 * WORKERS}).",
    )
    parser.add_argument(
        "--cold-seconds",
        type=float,
        default=10.0,
        help="Seconds for the feed with the cache off (10).",
    )
    args = finish_args(parser, argv)
    if not 1 <= args.cold_connections <= 1000:
        parser.error("--cold-connections must be between 1 and 1000")
    if not 0.5 <= args.cold_seconds <= 600:
        parser.error("--cold-seconds must be 0.5 to 600")
    return args


def _build(database_url: str, secret: str, events: int) -> Build:
    """Time the uncached feed in-process and describe it; BenchError if it is not 200."""
    built = measure_in_process(database_url, secret, [FEED_PATH], BUILDS)[FEED_PATH]
    return Build(
        events=events,
        statements=built.statements,
        median_ms=built.median_ms,
        feed_bytes=len(built.body),
        gzip_bytes=len(gzip.compress(built.body, compresslevel=6)),
        vevents=built.body.count(b"BEGIN:VEVENT"),
    )


def _cached_in_process(database_url: str, secret: str, cache_dir: Path) -> dict[str, InProcess]:
    """Hello, the cached feed and the 304 in-process, with the page cache on (files in
    ``cache_dir``): their SQL statements and median times."""
    config = {"PAGE_CACHE_SECONDS": CACHE_ON_SECONDS, "CACHE_DIR": str(cache_dir)}
    found = measure_in_process(database_url, secret, [HELLO_PATH, FEED_PATH], config=config)
    etag = found[FEED_PATH].etag
    if etag is None:
        raise BenchError(f"{FEED_PATH} has no ETag in-process")
    revalidated = measure_in_process(
        database_url,
        secret,
        [FEED_PATH],
        config=config,
        headers={"If-None-Match": etag},
        expect_status=304,
    )
    return {"hello": found[HELLO_PATH], "fresh": found[FEED_PATH], "304": revalidated[FEED_PATH]}


def run(args: argparse.Namespace) -> int:
    database = open_database(args.database_url, args.reset)
    secret = secrets.token_urlsafe(48)
    cache_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-cache-"))
    env = app_environment(database.url, secret, args.redis_url, str(cache_dir / "served"))
    cold_env = {**env, "VIGIL_PAGE_CACHE_SECONDS": "0"}
    facts = machine_facts(args, database)
    facts.update(
        cache="Redis" if args.redis_url else "files",
        cold_connections=args.cold_connections,
        cold_seconds=args.cold_seconds,
    )
    routes = {
        "hello_first": FeedFigures("`/healthz` (hello, first)", HELLO_PATH),
        "fresh": FeedFigures(f"`{FEED_PATH}` from the cache (200)", FEED_PATH),
        "not_modified": FeedFigures(f"`{FEED_PATH}` If-None-Match (304)", FEED_PATH),
        "cold": FeedFigures(f"`{FEED_PATH}` cache off (200, rebuilt)", FEED_PATH),
        "hello_last": FeedFigures("`/healthz` (hello, last)", HELLO_PATH),
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
            feed = fetch(port, request_bytes(FEED_PATH, port))
            if feed.status != 200 or feed.etag is None or not feed.complete:
                raise BenchError(f"{FEED_PATH} answered {feed.status} (ETag {feed.etag})")
            revalidate = {"If-None-Match": feed.etag}
            unchanged = fetch(port, request_bytes(FEED_PATH, port, revalidate))
            if unchanged.status != 304:
                raise BenchError(f"{FEED_PATH} with If-None-Match answered {unchanged.status}")
            routes["hello_first"].wire_bytes = fetch(
                port, request_bytes(HELLO_PATH, port)
            ).wire_bytes
            routes["hello_last"].wire_bytes = routes["hello_first"].wire_bytes
            routes["fresh"].wire_bytes = routes["cold"].wire_bytes = feed.wire_bytes
            routes["not_modified"].wire_bytes = unchanged.wire_bytes
            facts["served_vevents"] = feed.body.count(b"BEGIN:VEVENT")

            pool.starmap(noop, [()] * args.client_processes)
            if args.warmup:
                warmup = FeedFigures("warm-up", "")
                measure(
                    pool,
                    port,
                    pid,
                    warmup,
                    [HELLO_PATH, FEED_PATH],
                    args.connections,
                    args.client_processes,
                    args.warmup,
                )
            for key, headers, status in (
                ("hello_first", None, None),
                ("fresh", None, 200),
                ("not_modified", revalidate, 304),
            ):
                route = routes[key]
                print(f"Measuring {plain(route.label)} for {args.seconds:g} s…", file=sys.stderr)
                measure(
                    pool,
                    port,
                    pid,
                    route,
                    [route.path],
                    args.connections,
                    args.client_processes,
                    args.seconds,
                    headers=headers,
                    expect_status=status,
                )

            cold = routes["cold"]
            print("Starting gunicorn with the page cache off…", file=sys.stderr)
            with gunicorn(cold_env) as (cold_port, cold_pid):
                if args.warmup:
                    warmup = FeedFigures("warm-up", "")
                    measure(
                        pool,
                        cold_port,
                        cold_pid,
                        warmup,
                        [FEED_PATH],
                        args.cold_connections,
                        args.client_processes,
                        args.warmup,
                        timeout_s=COLD_TIMEOUT_S,
                    )
                print(
                    f"Measuring {plain(cold.label)} for {args.cold_seconds:g} s…", file=sys.stderr
                )
                measure(
                    pool,
                    cold_port,
                    cold_pid,
                    cold,
                    [FEED_PATH],
                    args.cold_connections,
                    args.client_processes,
                    args.cold_seconds,
                    expect_status=200,
                    timeout_s=COLD_TIMEOUT_S,
                )

            last = routes["hello_last"]
            print(f"Measuring {plain(last.label)} for {args.seconds:g} s…", file=sys.stderr)
            measure(
                pool,
                port,
                pid,
                last,
                [HELLO_PATH],
                args.connections,
                args.client_processes,
                args.seconds,
            )

        print("In-process: the cached feed, the 304 and the uncached build…", file=sys.stderr)
        cached = _cached_in_process(database.url, secret, cache_dir / "in-process")
        builds = [_build(database.url, secret, args.events)]
        print(f"Adding {args.events:,} more events…", file=sys.stderr)
        flask_command(env, "demo", "seed", "--events", str(args.events), "--force")
        analyze(database)
        builds.append(_build(database.url, secret, 2 * args.events))
    finally:
        close_database(database, args.keep)
        shutil.rmtree(cache_dir, ignore_errors=True)

    for key, found in (
        ("hello_first", cached["hello"]),
        ("hello_last", cached["hello"]),
        ("fresh", cached["fresh"]),
        ("not_modified", cached["304"]),
    ):
        routes[key].statements, routes[key].in_process_ms = found.statements, found.median_ms
    routes["cold"].statements = builds[0].statements
    routes["cold"].in_process_ms = builds[0].median_ms
    baseline = apply_baseline(routes, "hello_first", "hello_last")
    return report(args, facts, routes, builds, baseline)


def markdown_table(
    routes: Sequence[FeedFigures], builds: Sequence[Build], facts: Mapping[str, Any]
) -> str:
    """The README tables: the routes as served, ratios against the mean of both hello
    runs; then the uncached build in-process at both sizes."""
    lines = [
        "| Route | Requests/s | × hello | App CPU ms/request | SQL per request | Response kB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for route in routes:
        lines.append(
            f"| {route.label} | {route.requests_per_s:,.0f} | {ratio_text(route.ratio)}"
            f" | {optional(route.app_cpu_ms_per_request, '.1f')}"
            f" | {'—' if route.statements is None else route.statements}"
            f" | {kb(route.wire_bytes)} |"
        )
    lines += [
        "",
        "| Uncached build, in-process | VEVENTs | Feed kB | gzip kB | SQL statements | Median ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for build in builds:
        lines.append(
            f"| {build.events:,} events | {build.vevents:,} | {kb(build.feed_bytes)}"
            f" | {kb(build.gzip_bytes)} | {build.statements} | {build.median_ms:,.0f} |"
        )
    lines.append("")
    lines.append(
        f"{facts['database']}, page cache in {facts['cache']}, Python {facts['python']},"
        f" {facts['nproc']} CPUs ({facts['machine']}); gunicorn {WORKERS} sync workers,"
        f" {facts['connections']} connections, {facts['seconds']:g} s per route (cache off:"
        f" a second gunicorn, {facts['cold_connections']} connections,"
        f" {facts['cold_seconds']:g} s), {facts['events']:,} demo events. Ratios against the"
        " mean of the two hello runs; kB = 1,000 bytes on the wire (headers included, no"
        " compression); SQL counted in-process, the cache as served."
    )
    return "\n".join(lines)


def check_targets(
    routes: Mapping[str, FeedFigures], builds: Sequence[Build], database_kind: str
) -> list[tuple[str, bool, str]]:
    """(target, met, detail) for each target of the issue."""
    fresh, not_modified = routes["fresh"], routes["not_modified"]
    counts = " → ".join(str(build.statements) for build in builds)
    results = [
        (
            f"304 ≥ {NOT_MODIFIED_RATIO_TARGET:.2f} × hello",
            not_modified.ratio >= NOT_MODIFIED_RATIO_TARGET,
            f"{not_modified.ratio:.2f} × hello",
        ),
        (
            f"fresh {builds[0].events:,}-event feed ≥ {FRESH_RATIO_TARGET:.2f} × hello",
            fresh.ratio >= FRESH_RATIO_TARGET,
            f"{fresh.ratio:.2f} × hello",
        ),
        (
            "SQL statements per uncached build independent of the number of events",
            len({build.statements for build in builds}) == 1,
            f"{counts} ({' → '.join(f'{build.events:,}' for build in builds)} events)",
        ),
    ]
    if database_kind != "postgresql":
        results = [(f"{name} (targets apply on PostgreSQL)", met, d) for name, met, d in results]
    return results


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    routes: dict[str, FeedFigures],
    builds: list[Build],
    baseline: float,
) -> int:
    """Print the details, the tables and the targets; write JSON; return the exit code."""
    print_load_details(
        list(routes.values()), routes["hello_first"], routes["hello_last"], facts["nproc"]
    )
    print(
        f"\nServed feed: {kb(routes['fresh'].wire_bytes)} kB on the wire,"
        f" {facts['served_vevents']:,} VEVENTs for {args.events:,} events."
        f" The 304: {routes['not_modified'].wire_bytes:,} bytes."
    )
    print(
        "\nIn-process (test client; the page cache in files where it is on):"
        " SQL statements and median ms per request"
    )
    for route in routes.values():
        print(
            f"  {plain(route.label):<42}{optional(route.statements, 'd'):>4} SQL"
            f"{optional(route.in_process_ms, '8.1f')} ms"
        )
    for build in builds:
        print(
            f"  uncached build, {build.events:>6,} events: {build.statements} SQL,"
            f" median {build.median_ms:,.0f} ms of {BUILDS}, {kb(build.feed_bytes)} kB"
            f" ({kb(build.gzip_bytes)} kB gzipped), {build.vevents:,} VEVENTs"
        )

    table = markdown_table(list(routes.values()), builds, facts)
    print("\n" + table + "\n")
    targets = check_targets(routes, builds, facts["database"].split()[0].lower())
    for name, met, detail in targets:
        print(f"{'met   ' if met else 'MISSED'} {name}: {detail}")

    failures = failed_requests(list(routes.values()))
    if failures:
        print(
            f"\n{failures} requests failed or had an unexpected status: the figures are not valid."
        )
    payload = {
        "facts": facts,
        "baseline_requests_per_s": baseline,
        "routes": {key: asdict(route) for key, route in routes.items()},
        "builds": [asdict(build) for build in builds],
        "table": table,
    }
    return finish(args, payload, targets, invalid=bool(failures))


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("bench/feeds.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
