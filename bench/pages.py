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

The machinery shared with feeds.py (database, gunicorn, load generator, in-process
SQL counts) lives in ``_common.py``.

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

Targets (they apply on PostgreSQL):

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
import multiprocessing
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from _common import (
    WORKERS,
    BenchError,
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
    plain,
    print_load_details,
    request_bytes,
    run_main,
)

# Targets from the issue (they apply on PostgreSQL).
EVENTS_RATIO_TARGET = 0.30
PAGE_BYTES_TARGET = 50_000

SLUG_LINK = re.compile(r'href="/events/([^"/?#]+)"')


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
                # "#default#VML" (leaflet.css) names no file: not another download.
                if not target.startswith(("data:", "#")):
                    pending.append(urljoin(url, target))
    return page.wire_bytes, total, seen


@dataclass
class RouteFigures(LoadFigures):
    """Everything measured for one page."""

    html_bytes: int = 0
    bytes_with_assets: int = 0
    assets: list[str] = field(default_factory=list)
    queries: int | None = None
    queries_more_events: int | None = None
    in_process_ms: float | None = None
    in_process_ms_more_events: float | None = None


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
            f" | {kb(route.html_bytes)} | {kb(route.bytes_with_assets)} |"
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
            f"heaviest {heaviest.label}: {kb(heaviest.bytes_with_assets)} kB",
        ),
    ]
    if database_kind != "postgresql":
        results = [(f"{name} (targets apply on PostgreSQL)", met, d) for name, met, d in results]
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_parser(
        "Requests/second of Vigil's public pages as ratios against a hello route."
    )
    return finish_args(parser, argv)


def run(args: argparse.Namespace) -> int:
    database = open_database(args.database_url, args.reset)
    secret = secrets.token_urlsafe(48)
    cache_dir = tempfile.mkdtemp(prefix="vigil-bench-cache-")
    env = app_environment(database.url, secret, args.redis_url, cache_dir)
    facts = machine_facts(args, database)
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

            pool.starmap(noop, [()] * args.client_processes)
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
        shutil.rmtree(cache_dir, ignore_errors=True)

    for key, route in routes.items():
        path = event_paths[0] if key == "event" else route.path
        route.queries, route.queries_more_events = before[path].statements, after[path].statements
        route.in_process_ms = before[path].median_ms
        route.in_process_ms_more_events = after[path].median_ms
    baseline = apply_baseline(routes, "hello_first", "hello_last")
    return report(args, facts, routes, baseline)


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    routes: dict[str, RouteFigures],
    baseline: float,
) -> int:
    """Print the details, the table and the targets; write JSON; return the exit code."""
    print_load_details(
        list(routes.values()), routes["hello_first"], routes["hello_last"], facts["nproc"]
    )
    for route in routes.values():
        if route.assets:
            print(f"{route.path} loads {', '.join(route.assets)}")

    more = 2 * args.events
    print("\nIn-process (test client, page cache off): SQL statements and median ms per request")
    print(f"  {'route':<26}{f'{args.events:,} events':>18}{f'{more:,} events':>18}")
    for route in routes.values():
        print(
            f"  {plain(route.label):<26}{route.queries:>6} SQL{route.in_process_ms:>6.1f} ms"
            f"{route.queries_more_events:>6} SQL{route.in_process_ms_more_events:>6.1f} ms"
        )

    print("\n" + markdown_table(list(routes.values()), facts) + "\n")
    targets = check_targets(routes, facts["database"].split()[0].lower())
    for name, met, detail in targets:
        print(f"{'met   ' if met else 'MISSED'} {name}: {detail}")

    failures = failed_requests(list(routes.values()))
    if failures:
        print(f"\n{failures} requests failed or were not 2xx: the figures are not valid.")
    routes_json = {key: asdict(route) for key, route in routes.items()}
    payload = {
        "facts": facts,
        "baseline_requests_per_s": baseline,
        "routes": routes_json,
        "table": markdown_table(list(routes.values()), facts),
    }
    return finish(args, payload, targets, invalid=bool(failures))


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("bench/pages.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
