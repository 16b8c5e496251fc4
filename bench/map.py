"""Map benchmark: ``/map`` and ``/events.geojson`` at 10,000 events, as ratios against "hello".

Not a timed test: it prints figures for a person to read (and paste into README.md).
It shares its machinery with pages.py and feeds.py (``_common``): the same scratch
database filled by the project's own commands, the same gunicorn (2 sync workers, as
``make run``), the same pure-Python load generator and the same baseline, ``GET
/healthz`` measured first and last on the same server.

``/map`` is a small page whatever the number of events (its markers are loaded by
static/js/maps.js from ``/events.geojson``); both are kept in the page cache (Redis
with ``--postgres``, else files in a temporary folder) under the data's generation,
which every commit replaces. ``/events.geojson`` is kept gzipped, with a strong ETag
("…-gzip" for the gzipped representation). With ``--events`` demo events (10,000)
the script:

1. measures sizes on the running server: ``/map`` on the wire (status line, headers,
   body) alone and with its stylesheets and scripts, and the data its script then
   fetches (the countries layer, the city labels, the GeoJSON, gzipped as a browser
   asks for them); the GeoJSON uncompressed and gzipped, and its number of features;
2. times the GeoJSON built fresh over HTTP: the first request after gunicorn started
   (the seed was the last data change), then ``--fresh-rounds`` times (3) the first
   request after a data change, made as every commit makes it: this process replaces
   the generation in the server's cache (``app.httpcache.new_generation``), waits
   until the workers have noticed, and GETs the GeoJSON (``/map`` after it);
3. loads, each for ``--seconds`` with ``--connections`` clients after a warm-up:
   hello (first); ``/map`` from the cache; ``/events.geojson`` from the cache (200,
   ``Accept-Encoding: gzip`` as browsers send); ``/events.geojson`` revalidated
   (``If-None-Match: <its gzip ETag>``, 304 with no body); hello (last);
4. in-process (the Flask test client on the same database): the SQL statements of
   one request and its median time, with the page cache off (``/map`` rendered, the
   GeoJSON built: ``--builds`` builds, 5) and on (files in a temporary folder:
   ``/map``, the GeoJSON 200 and 304, which must send no SQL);
5. with ``--grow``, adds ``--events`` more events and builds again in-process: the
   SQL statements of a build and the size of ``/map`` must not grow.

Targets (issue 5; the ratios apply on PostgreSQL):

- ``/map`` at most 60 kB (60,000 bytes on the wire, uncompressed);
- ``/map`` at least 0.30 x hello in requests/second;
- ``/events.geojson`` from the cache at least 0.30 x hello, its 304 at least 0.60 x;
- a repeated ``/events.geojson`` (200 or 304) sends no SQL;
- with ``--grow``: SQL per fresh build and ``/map``'s size independent of the events.

Usage (from the project root; ``make bench-map`` runs the second line with ``--reset``)::

    .venv/bin/python bench/map.py                        # temporary SQLite file
    .venv/bin/python bench/map.py --postgres             # PostgreSQL and Redis on loopback
    .venv/bin/python bench/map.py --database-url URL [--reset] [--json out.json] [--grow]

Databases, ``--reset``, ``--keep`` and exit codes are those of pages.py (see its
docstring): the script refuses a database that has tables unless ``--reset``, and
empties its database afterwards. Exit codes: 0 done, 1 a request failed or had an
unexpected status, 2 cannot run, 3 with ``--check`` when a target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import multiprocessing
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from _common import (
    WORKERS,
    BenchError,
    Fetched,
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
from pages import page_weight

MAP_PATH = "/map"
GEOJSON_PATH = "/events.geojson"
HELLO_PATH = "/healthz"
# What a browser sends; the GeoJSON is kept gzipped and sent so.
GZIP = {"Accept-Encoding": "gzip"}
GZIP_MAGIC = b"\x1f\x8b"

# Targets from the issue (the ratios apply on PostgreSQL).
MAP_BYTES_TARGET = 60_000
MAP_RATIO_TARGET = 0.30
FRESH_RATIO_TARGET = 0.30
NOT_MODIFIED_RATIO_TARGET = 0.60

DEFAULT_EVENTS = 10_000
# The page cache of the in-process app when it is on (any value above 0 will do).
CACHE_ON_SECONDS = 60
# Margin on top of app.httpcache.GENERATION_RECHECK before a worker surely knows
# about a new generation.
GENERATION_MARGIN_S = 0.5
# A fresh build can take seconds on a busy machine; gunicorn's worker timeout (30 s)
# still bounds it.
FRESH_TIMEOUT_S = 60.0
# Data the map's script fetches after the page (data-* attributes of the map frame).
_DATA_URL = re.compile(r'data-(countries|places|geojson)="([^"]*)"')


@dataclass
class MapFigures(LoadFigures):
    """Everything measured for one route of this benchmark."""

    wire_bytes: int = 0  # one response as measured: status line, headers, body
    statements: int | None = None  # SQL statements of one request, in-process
    in_process_ms: float | None = None  # median in-process time of one request


@dataclass
class Sizes:
    """What the map costs to download, measured on the running server."""

    map_body_bytes: int = 0
    map_wire_bytes: int = 0
    map_with_assets_bytes: int = 0  # the page, its stylesheets and scripts
    assets: list[str] = field(default_factory=list)
    data_wire_bytes: dict[str, int] = field(default_factory=dict)  # fetched by maps.js, gzip
    geojson_bytes: int = 0  # the body, uncompressed
    geojson_gzip_bytes: int = 0  # the body as sent to browsers
    geojson_wire_bytes: int = 0
    geojson_gzip_wire_bytes: int = 0
    not_modified_wire_bytes: int = 0
    features: int = 0
    first_visit_bytes: int = 0  # page, assets and data: an empty browser cache


@dataclass
class Fresh:
    """The GeoJSON built fresh: over HTTP after a data change, and in-process."""

    http_first_ms: float = 0.0  # the first request gunicorn served after the seed
    http_ms: list[float] = field(default_factory=list)  # after each generation change
    map_http_ms: list[float] = field(default_factory=list)  # /map right after
    statements: int = 0  # in-process, page cache off
    median_ms: float = 0.0
    builds: int = 0
    grown_events: int | None = None  # with --grow: the same after adding events
    grown_statements: int | None = None
    grown_median_ms: float | None = None
    grown_geojson_bytes: int | None = None
    map_body_bytes: int = 0  # in-process, the page rendered (cache off)
    map_median_ms: float = 0.0
    grown_map_body_bytes: int | None = None
    map_statements: int = 0
    grown_map_statements: int | None = None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_parser(
        "Requests/second of Vigil's /map and /events.geojson (from the cache and 304)"
        " as ratios against a hello route, the map's sizes and the GeoJSON's build time.",
        events=DEFAULT_EVENTS,
    )
    parser.add_argument(
        "--fresh-rounds",
        type=int,
        default=3,
        help="GeoJSON builds timed over HTTP after a data change (3).",
    )
    parser.add_argument(
        "--builds", type=int, default=5, help="GeoJSON builds timed in-process (5)."
    )
    parser.add_argument(
        "--grow",
        action="store_true",
        help="Add --events more events and check that SQL per build and /map do not grow.",
    )
    args = finish_args(parser, argv)
    if not 0 <= args.fresh_rounds <= 50 or not 1 <= args.builds <= 50:
        parser.error("--fresh-rounds must be 0 to 50 and --builds 1 to 50")
    return args


def _body(response: Fetched) -> bytes:
    """The body, unpacked if it was sent gzipped."""
    return gzip.decompress(response.body) if response.body[:2] == GZIP_MAGIC else response.body


def _sizes(port: int) -> tuple[Sizes, str]:
    """Measure the map's sizes on the server; return them and the GeoJSON's gzip ETag.

    Raises BenchError if a response is not what the map needs (status, encoding,
    validators, a FeatureCollection).
    """
    sizes = Sizes()
    page = fetch(port, request_bytes(MAP_PATH, port, GZIP))
    if page.status != 200 or not page.complete:
        raise BenchError(f"{MAP_PATH} answered {page.status}")
    markup = _body(page).decode("utf-8")
    sizes.map_body_bytes, sizes.map_wire_bytes = len(_body(page)), page.wire_bytes
    _, sizes.map_with_assets_bytes, sizes.assets = page_weight(port, MAP_PATH)
    data_urls = {name: html.unescape(url) for name, url in _DATA_URL.findall(markup)}
    if set(data_urls) != {"countries", "places", "geojson"}:
        raise BenchError(f"{MAP_PATH} names only {sorted(data_urls)} of its map data")
    for url in data_urls.values():
        data = fetch(port, request_bytes(url, port, GZIP))
        if data.status != 200 or not data.complete:
            raise BenchError(f"{url} (map data of {MAP_PATH}) answered {data.status}")
        sizes.data_wire_bytes[url] = data.wire_bytes
    sizes.first_visit_bytes = sizes.map_with_assets_bytes + sum(sizes.data_wire_bytes.values())

    plain_json = fetch(port, request_bytes(GEOJSON_PATH, port))
    packed = fetch(port, request_bytes(GEOJSON_PATH, port, GZIP))
    for name, response in (("identity", plain_json), ("gzip", packed)):
        if response.status != 200 or not response.complete or response.etag is None:
            raise BenchError(
                f"{GEOJSON_PATH} ({name}) answered {response.status} with ETag {response.etag}"
            )
    if packed.body[:2] != GZIP_MAGIC or gzip.decompress(packed.body) != plain_json.body:
        raise BenchError(f"{GEOJSON_PATH} with Accept-Encoding: gzip is not its body gzipped")
    if packed.etag == plain_json.etag:
        raise BenchError(f"{GEOJSON_PATH} has the same ETag gzipped and not: {packed.etag}")
    document = json.loads(plain_json.body)
    if document.get("type") != "FeatureCollection":
        raise BenchError(f"{GEOJSON_PATH} is not a FeatureCollection")
    assert packed.etag is not None
    revalidated = fetch(port, request_bytes(GEOJSON_PATH, port, _revalidate(packed.etag)))
    if revalidated.status != 304 or revalidated.body:
        raise BenchError(f"{GEOJSON_PATH} with If-None-Match answered {revalidated.status}")
    sizes.features = len(document["features"])
    sizes.geojson_bytes, sizes.geojson_wire_bytes = len(plain_json.body), plain_json.wire_bytes
    sizes.geojson_gzip_bytes, sizes.geojson_gzip_wire_bytes = len(packed.body), packed.wire_bytes
    sizes.not_modified_wire_bytes = revalidated.wire_bytes
    return sizes, packed.etag


def _revalidate(etag: str) -> dict[str, str]:
    return {**GZIP, "If-None-Match": etag}


def _timed_get(port: int, path: str) -> float:
    """Milliseconds for one GET (gzip accepted) on a new connection; BenchError unless 200."""
    started = time.perf_counter()
    try:
        response = fetch(port, request_bytes(path, port, GZIP), FRESH_TIMEOUT_S)
    except OSError as exc:
        elapsed_s = time.perf_counter() - started
        raise BenchError(f"{path} failed after {elapsed_s:.1f} s: {exc!r}") from exc
    elapsed_ms = 1000 * (time.perf_counter() - started)
    if response.status != 200 or not response.complete:
        raise BenchError(f"{path} answered {response.status}")
    return elapsed_ms


def _fresh_over_http(
    port: int, database_url: str, secret: str, redis_url: str | None, served_dir: Path, rounds: int
) -> tuple[list[float], list[float]]:
    """The GeoJSON's (and then /map's) first request after each of ``rounds`` data changes.

    A change is made as every commit makes it: a new generation in the server's
    cache (Redis, or the folder gunicorn's workers use).
    """
    from app import create_app
    from app.httpcache import GENERATION_RECHECK, new_generation

    app = create_app(
        {
            "SECRET_KEY": secret,
            "DATABASE_URL": database_url,
            "SECURE_COOKIES": False,
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": redis_url,
            "CACHE_DIR": str(served_dir),
            "PAGE_CACHE_SECONDS": CACHE_ON_SECONDS,
        },
        environ={},
    )
    geojson_ms, map_ms = [], []
    for _ in range(rounds):
        with app.app_context():
            new_generation()
        time.sleep(GENERATION_RECHECK + GENERATION_MARGIN_S)
        geojson_ms.append(_timed_get(port, GEOJSON_PATH))
        map_ms.append(_timed_get(port, MAP_PATH))
    return geojson_ms, map_ms


def _in_process(
    database_url: str, secret: str, cache_dir: Path, builds: int
) -> tuple[dict[str, InProcess], InProcess, InProcess]:
    """SQL statements and median times in-process.

    Returns the routes with the page cache on (files in ``cache_dir``): hello, /map,
    the GeoJSON 200 and 304; then the GeoJSON built and /map rendered with it off.
    """
    built = measure_in_process(database_url, secret, [GEOJSON_PATH], builds, headers=GZIP)
    rendered = measure_in_process(database_url, secret, [MAP_PATH], headers=GZIP)
    config = {"PAGE_CACHE_SECONDS": CACHE_ON_SECONDS, "CACHE_DIR": str(cache_dir)}
    # The GeoJSON twice, the second time counted: the generation is a per-process
    # value that a worker trusts for a second (app.httpcache), and the apps created
    # before in this process left theirs; the first build can outlast that second,
    # and the request after it find the generation of this app's cache, not built yet.
    found = measure_in_process(
        database_url,
        secret,
        [GEOJSON_PATH, HELLO_PATH, MAP_PATH, GEOJSON_PATH],
        config=config,
        headers=GZIP,
    )
    etag = found[GEOJSON_PATH].etag
    if etag is None:
        raise BenchError(f"{GEOJSON_PATH} has no ETag in-process")
    revalidated = measure_in_process(
        database_url,
        secret,
        [GEOJSON_PATH],
        config=config,
        headers=_revalidate(etag),
        expect_status=304,
    )
    cached = {
        "hello": found[HELLO_PATH],
        "map": found[MAP_PATH],
        "fresh": found[GEOJSON_PATH],
        "not_modified": revalidated[GEOJSON_PATH],
    }
    return cached, built[GEOJSON_PATH], rendered[MAP_PATH]


def run(args: argparse.Namespace) -> int:
    database = open_database(args.database_url, args.reset)
    secret = secrets.token_urlsafe(48)
    cache_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-cache-"))
    served_dir = cache_dir / "served"
    env = app_environment(database.url, secret, args.redis_url, str(served_dir))
    facts = machine_facts(args, database)
    facts.update(cache="Redis" if args.redis_url else "files", builds=args.builds)
    routes = {
        "hello_first": MapFigures("`/healthz` (hello, first)", HELLO_PATH),
        "map": MapFigures(f"`{MAP_PATH}` from the cache", MAP_PATH),
        "fresh": MapFigures(f"`{GEOJSON_PATH}` from the cache (200, gzip)", GEOJSON_PATH),
        "not_modified": MapFigures(f"`{GEOJSON_PATH}` If-None-Match (304)", GEOJSON_PATH),
        "hello_last": MapFigures("`/healthz` (hello, last)", HELLO_PATH),
    }
    fresh = Fresh(builds=args.builds)
    try:
        print(f"Preparing {facts['database']} with {args.events:,} events…", file=sys.stderr)
        flask_command(env, "db", "upgrade")
        flask_command(env, "venues", "import")
        flask_command(env, "statement", "load")
        flask_command(env, "demo", "seed", "--events", str(args.events))
        analyze(database)

        context = multiprocessing.get_context("spawn")
        with gunicorn(env) as (port, pid), context.Pool(args.client_processes) as pool:
            print("Building the GeoJSON fresh over HTTP…", file=sys.stderr)
            fresh.http_first_ms = _timed_get(port, GEOJSON_PATH)
            fresh.http_ms, fresh.map_http_ms = _fresh_over_http(
                port, database.url, secret, args.redis_url, served_dir, args.fresh_rounds
            )
            sizes, etag = _sizes(port)
            hello = fetch(port, request_bytes(HELLO_PATH, port))
            routes["hello_first"].wire_bytes = routes["hello_last"].wire_bytes = hello.wire_bytes
            routes["map"].wire_bytes = sizes.map_wire_bytes
            routes["fresh"].wire_bytes = sizes.geojson_gzip_wire_bytes
            routes["not_modified"].wire_bytes = sizes.not_modified_wire_bytes

            pool.starmap(noop, [()] * args.client_processes)
            if args.warmup:
                measure(
                    pool,
                    port,
                    pid,
                    MapFigures("warm-up", ""),
                    [HELLO_PATH, MAP_PATH, GEOJSON_PATH],
                    args.connections,
                    args.client_processes,
                    args.warmup,
                    headers=GZIP,
                )
            for key, headers, status in (
                ("hello_first", None, None),
                ("map", GZIP, 200),
                ("fresh", GZIP, 200),
                ("not_modified", _revalidate(etag), 304),
                ("hello_last", None, None),
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

        print("In-process: SQL statements, the GeoJSON built and /map rendered…", file=sys.stderr)
        cached, built, rendered = _in_process(
            database.url, secret, cache_dir / "in-process", args.builds
        )
        fresh.statements, fresh.median_ms = built.statements, built.median_ms
        fresh.map_statements, fresh.map_body_bytes = rendered.statements, len(rendered.body)
        fresh.map_median_ms = rendered.median_ms
        if args.grow:
            print(f"Adding {args.events:,} more events…", file=sys.stderr)
            flask_command(env, "demo", "seed", "--events", str(args.events), "--force")
            analyze(database)
            _, grown, grown_map = _in_process(
                database.url, secret, cache_dir / "grown", args.builds
            )
            fresh.grown_events = 2 * args.events
            fresh.grown_statements, fresh.grown_median_ms = grown.statements, grown.median_ms
            fresh.grown_geojson_bytes = len(gzip.decompress(grown.body))
            fresh.grown_map_statements = grown_map.statements
            fresh.grown_map_body_bytes = len(grown_map.body)
    finally:
        close_database(database, args.keep)
        shutil.rmtree(cache_dir, ignore_errors=True)

    for key in ("hello_first", "hello_last", "map", "fresh", "not_modified"):
        found = cached["hello" if key.startswith("hello") else key]
        routes[key].statements, routes[key].in_process_ms = found.statements, found.median_ms
    baseline = apply_baseline(routes, "hello_first", "hello_last")
    return report(args, facts, routes, sizes, fresh, baseline)


def _ms_range(values: Sequence[float]) -> str:
    """Milliseconds as "median (min–max)", or "—" if none."""
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def markdown_table(
    routes: Sequence[MapFigures], sizes: Sizes, fresh: Fresh, facts: Mapping[str, Any]
) -> str:
    """The README tables: the routes as served, ratios against the mean of both hello
    runs; then the sizes and the GeoJSON's fresh build."""
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
        "| `/map` kB | with CSS+JS kB | first visit kB | GeoJSON features | GeoJSON kB"
        " | gzip kB | fresh build over HTTP ms | in-process ms | SQL per build |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {kb(sizes.map_wire_bytes)} | {kb(sizes.map_with_assets_bytes)}"
        f" | {kb(sizes.first_visit_bytes)} | {sizes.features:,} | {kb(sizes.geojson_bytes)}"
        f" | {kb(sizes.geojson_gzip_bytes)} | {_ms_range(fresh.http_ms)}"
        f" | {fresh.median_ms:,.0f} | {fresh.statements} |",
        "",
        f"{facts['database']}, page cache in {facts['cache']}, Python {facts['python']},"
        f" {facts['nproc']} CPUs ({facts['machine']}); gunicorn {WORKERS} sync workers,"
        f" {facts['connections']} connections, {facts['seconds']:g} s per route,"
        f" {facts['events']:,} demo events. Ratios against the mean of the two hello runs;"
        " kB = 1,000 bytes on the wire (headers included; the GeoJSON gzipped as browsers"
        " ask for it, `/map` and its assets uncompressed; first visit = the page, its CSS"
        " and scripts and the data its script fetches). Fresh build: the first GeoJSON"
        " request after a data change (median and range); in-process: the median of"
        f" {fresh.builds} builds with the cache off. SQL counted in-process, the cache as"
        " served.",
    ]
    return "\n".join(lines)


def check_targets(
    routes: Mapping[str, MapFigures], sizes: Sizes, fresh: Fresh, database_kind: str
) -> list[tuple[str, bool, str]]:
    """(target, met, detail) for each target of the issue."""
    map_route, cached, not_modified = routes["map"], routes["fresh"], routes["not_modified"]
    suffix = "" if database_kind == "postgresql" else " (targets apply on PostgreSQL)"
    results = [
        (
            f"/map ≤ {MAP_BYTES_TARGET // 1000} kB",
            sizes.map_wire_bytes <= MAP_BYTES_TARGET,
            f"{sizes.map_wire_bytes:,} bytes on the wire ({sizes.map_body_bytes:,} body)",
        ),
        (
            f"/map ≥ {MAP_RATIO_TARGET:.2f} × hello{suffix}",
            map_route.ratio >= MAP_RATIO_TARGET,
            f"{map_route.ratio:.2f} × hello",
        ),
        (
            f"/events.geojson from the cache ≥ {FRESH_RATIO_TARGET:.2f} × hello{suffix}",
            cached.ratio >= FRESH_RATIO_TARGET,
            f"{cached.ratio:.2f} × hello ({sizes.features:,} features,"
            f" {kb(sizes.geojson_gzip_bytes)} kB gzipped)",
        ),
        (
            f"/events.geojson 304 ≥ {NOT_MODIFIED_RATIO_TARGET:.2f} × hello{suffix}",
            not_modified.ratio >= NOT_MODIFIED_RATIO_TARGET,
            f"{not_modified.ratio:.2f} × hello",
        ),
        (
            "a repeated /events.geojson (200 or 304) sends no SQL",
            cached.statements == 0 and not_modified.statements == 0,
            f"200: {cached.statements}, 304: {not_modified.statements} statements",
        ),
    ]
    if fresh.grown_events is not None:
        events = f"{fresh.grown_events // 2:,} → {fresh.grown_events:,} events"
        results += [
            (
                "SQL statements per fresh GeoJSON build independent of the number of events",
                fresh.grown_statements == fresh.statements,
                f"{fresh.statements} → {fresh.grown_statements} ({events})",
            ),
            (
                "/map does not grow with the number of events",
                fresh.grown_map_body_bytes == fresh.map_body_bytes
                and fresh.grown_map_statements == fresh.map_statements,
                f"{fresh.map_body_bytes:,} → {fresh.grown_map_body_bytes:,} bytes,"
                f" {fresh.map_statements} → {fresh.grown_map_statements} SQL ({events})",
            ),
        ]
    return results


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    routes: dict[str, MapFigures],
    sizes: Sizes,
    fresh: Fresh,
    baseline: float,
) -> int:
    """Print the details, the tables and the targets; write JSON; return the exit code."""
    print_load_details(
        list(routes.values()), routes["hello_first"], routes["hello_last"], facts["nproc"]
    )
    print(
        f"\n{MAP_PATH}: {sizes.map_wire_bytes:,} bytes on the wire ({sizes.map_body_bytes:,}"
        f" body), {kb(sizes.map_with_assets_bytes)} kB with {', '.join(sizes.assets)}."
    )
    data = ", ".join(f"{url} {kb(n)} kB" for url, n in sizes.data_wire_bytes.items())
    print(f"Then its script fetches {data}: {kb(sizes.first_visit_bytes)} kB for a first visit.")
    print(
        f"{GEOJSON_PATH}: {sizes.features:,} features for {args.events:,} events;"
        f" {sizes.geojson_bytes:,} bytes, {sizes.geojson_gzip_bytes:,} gzipped"
        f" ({sizes.geojson_gzip_bytes / max(1, sizes.geojson_bytes):.1%});"
        f" the 304: {sizes.not_modified_wire_bytes:,} bytes on the wire."
    )
    rounds = ", ".join(f"{ms:,.0f}" for ms in fresh.http_ms) or "—"
    map_rounds = ", ".join(f"{ms:,.0f}" for ms in fresh.map_http_ms) or "—"
    print(
        f"\nGeoJSON built fresh over HTTP (gzip): the first request after the seed"
        f" {fresh.http_first_ms:,.0f} ms; after each data change {rounds} ms"
        f" (then /map: {map_rounds} ms)."
    )
    print(
        f"GeoJSON built in-process (cache off): {fresh.statements} SQL,"
        f" median {fresh.median_ms:,.0f} ms of {fresh.builds}."
    )
    if fresh.grown_events is not None:
        print(
            f"  at {fresh.grown_events:,} events: {fresh.grown_statements} SQL, median"
            f" {optional(fresh.grown_median_ms, ',.0f')} ms,"
            f" {optional(fresh.grown_geojson_bytes, ',d')} bytes;"
            f" /map {fresh.map_body_bytes:,} → {optional(fresh.grown_map_body_bytes, ',d')}"
            f" bytes, {fresh.map_statements} → {fresh.grown_map_statements} SQL uncached."
        )
    print(
        "\nIn-process (test client; page cache in files): SQL statements and median ms per request"
    )
    for route in routes.values():
        print(
            f"  {plain(route.label):<44}{optional(route.statements, 'd'):>4} SQL"
            f"{optional(route.in_process_ms, '8.2f')} ms"
        )
    print(
        f"  {'/map rendered (cache off)':<44}{fresh.map_statements:>4} SQL"
        f"{fresh.map_median_ms:8.2f} ms ({fresh.map_body_bytes:,} bytes)"
    )

    table = markdown_table(list(routes.values()), sizes, fresh, facts)
    print("\n" + table + "\n")
    targets = check_targets(routes, sizes, fresh, facts["database"].split()[0].lower())
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
        "sizes": asdict(sizes),
        "fresh": asdict(fresh),
        "table": table,
    }
    return finish(args, payload, targets, invalid=bool(failures))


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("bench/map.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
