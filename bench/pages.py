"""Public routes benchmark: every public route against hello, at one or more sizes.

For each size of ``--events`` (``1000,100000``: seeded once, then grown), gunicorn
serves Vigil and the bare hello app; each route is fetched once (its first build over
HTTP, timed), then loaded with wrk: hello first, Vigil's ``/healthz``, the pages, the
feeds from the cache (200) and revalidated (304), hello last. Then each worker's
memory, and in-process the SQL statements and time of an uncached request. One table
puts the sizes beside each other. bench/README.md; ``--help``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any

from _common import (
    HELLO_PATH,
    BenchError,
    Fetched,
    Load,
    Scratch,
    Server,
    apply_baseline,
    fetch,
    finish,
    gunicorn,
    hello_route,
    kb,
    main,
    markdown,
    measure_in_process,
    page_weight,
    postgres_only,
    ratio_text,
    route_table,
    scratch,
    workers_rss_kb,
)

GZIP = {"Accept-Encoding": "gzip"}  # what browsers and feed readers send
EVENTS_RATIO_TARGET, PAGE_BYTES_TARGET = 0.30, 50_000  # the targets (on PostgreSQL)
FLAT_TARGET = 2.0  # an uncached page at the largest size takes at most this × the smallest
FIRST_TIMEOUT_S = 60  # a feed's first build; gunicorn's worker timeout (30 s) bounds it


@dataclass(frozen=True)
class Route:
    """A public route: its path (``<slug>``: the event pages linked from /events, in
    turn; ``<series>``: a weekly series), whether it is an HTML page (weighed with its
    CSS and scripts), and, for a 304, the route whose ETag it sends."""

    key: str
    label: str
    path: str
    page: bool = False
    revalidates: str = ""


ROUTES = (
    Route("healthz", "`/healthz` (Vigil's baseline)", "/healthz"),
    Route("home", "`/`", "/", page=True),
    Route("events", "`/events`", "/events", page=True),
    Route("event", "`/events/<slug>`", "/events/<slug>", page=True),
    Route("dates", "`/events/<slug>/dates` (series)", "/events/<series>/dates", page=True),
    Route("statement", "`/statement`", "/statement", page=True),
    Route("map", "`/map`", "/map", page=True),
    Route("campaign", "`/campaign`", "/campaign", page=True),
    Route("embed", "`/embed/events`", "/embed/events", page=True),
    Route("api", "`/api/v1/events`", "/api/v1/events"),
    Route("api_304", "`/api/v1/events` 304", "/api/v1/events", revalidates="api"),
    Route("rss", "`/events.rss`", "/events.rss"),
    Route("rss_304", "`/events.rss` 304", "/events.rss", revalidates="rss"),
    Route("ics", "`/calendar.ics`", "/calendar.ics"),
    Route("ics_304", "`/calendar.ics` 304", "/calendar.ics", revalidates="ics"),
    Route("ics_de", "`/calendar.ics?country=DE`", "/calendar.ics?country=DE"),
    Route("geojson", "`/events.geojson`", "/events.geojson"),
    Route("geojson_304", "`/events.geojson` 304", "/events.geojson", revalidates="geojson"),
)


# Pages that load the map library: bench/map.py weighs it against a target of its own.
MAP_PAGES = frozenset({"map", "campaign"})


def chosen_routes(args: argparse.Namespace) -> tuple[Route, ...]:
    """The routes of ``--routes`` (keys, comma-separated; a 304 brings its 200), else all.

    A BenchError names the keys for an unknown one.
    """
    if not args.routes:
        return ROUTES
    keys = {key.strip() for key in args.routes.split(",") if key.strip()}
    unknown = keys - {r.key for r in ROUTES}
    if unknown or not keys:
        known = ", ".join(r.key for r in ROUTES)
        raise BenchError(
            f"--routes: unknown {', '.join(sorted(unknown)) or 'none'}; known: {known}"
        )
    keys |= {r.revalidates for r in ROUTES if r.key in keys and r.revalidates}
    return tuple(r for r in ROUTES if r.key in keys)


@dataclass
class Size:
    """What one size measured: the loads, the first build over HTTP (ms), the weights
    with CSS and scripts, the routes that failed their first request, worker memory."""

    events: int
    routes: dict[str, Load]
    first_ms: dict[str, float]
    weights: dict[str, int]
    broken: dict[str, str]
    workers_rss_kb: list[int]


def paths_of(server: Server, s: Scratch, chosen: tuple[Route, ...]) -> dict[str, list[str]]:
    """Each route's paths: the event pages linked from /events, a weekly series."""
    listing = server.get("/events")
    slugs = [part.split('"')[0] for part in listing.body.decode().split('href="/events/')[1:]]
    slugs = [slug for slug in dict.fromkeys(slugs) if slug and "/" not in slug and "?" not in slug]
    series = s.scalar("SELECT slug FROM events WHERE repeat = 'weekly' ORDER BY id LIMIT 1")
    if listing.status != 200 or not slugs or not series:
        raise BenchError(f"/events answered {listing.status} with no event links, or no series")
    paths = {}
    for route in chosen:
        if "<slug>" in route.path:
            paths[route.key] = [route.path.replace("<slug>", slug) for slug in slugs]
        else:
            paths[route.key] = [route.path.replace("<series>", series)]
    return paths


def measure_size(args: argparse.Namespace, s: Scratch, events: int) -> Size:
    s.grow_to(events)
    chosen = chosen_routes(args)
    routes = {"hello_first": hello_route("first")}
    routes |= {r.key: Load(r.label, r.path) for r in chosen} | {"hello_last": hello_route("last")}
    size = Size(events, routes, {}, {}, {}, [])
    etags: dict[str, str] = {}
    with gunicorn(s.env, args) as server:
        paths = paths_of(server, s, chosen) | {
            "hello_first": [HELLO_PATH],
            "hello_last": [HELLO_PATH],
        }
        headers: dict[str, dict[str, str]] = {}
        for route in chosen:  # the first request builds the cached answers
            if route.revalidates in size.broken:
                size.broken[route.key] = "no ETag: its 200 failed"
                continue
            headers[route.key] = GZIP | (
                {"If-None-Match": etags[r]} if (r := route.revalidates) else {}
            )
            started = time.perf_counter()
            try:
                got: Fetched | None = fetch(
                    server.port, paths[route.key][0], headers[route.key], timeout_s=FIRST_TIMEOUT_S
                )
            except OSError as exc:
                got = None
                size.broken[route.key] = f"no answer ({exc.__class__.__name__})"
            size.first_ms[route.key] = 1000 * (time.perf_counter() - started)
            expected = 304 if route.revalidates else 200
            if got is not None and got.status != expected:
                size.broken[route.key] = f"answered {got.status}, not {expected}"
            if got is None or route.key in size.broken:
                print(f"{route.path}: {size.broken[route.key]}", file=sys.stderr)
                continue
            etags[route.key] = got.header("ETag") or ""
            routes[route.key].wire_bytes = got.wire_bytes
            if route.page:
                size.weights[route.key] = max(
                    page_weight(server.port, p)[1] for p in paths[route.key]
                )
        working = [key for key in routes if key not in size.broken]
        server.warm_up(
            [p for key in working if not key.startswith("hello") for p in paths[key][:5]], GZIP
        )
        for key in working:
            server.load(routes[key], paths[key], headers.get(key))
        size.workers_rss_kb = workers_rss_kb(server.pid)
    uncached = [r for r in chosen if not r.revalidates and r.key not in size.broken]
    print(f"In-process at {events:,} events: SQL and time, cache off…", file=sys.stderr)
    found = measure_in_process(s, [paths[r.key][0] for r in uncached], warm=False)
    for route in uncached:
        one = found[paths[route.key][0]]
        routes[route.key].statements, routes[route.key].in_process_ms = (
            one.statements,
            one.median_ms,
        )
    apply_baseline(routes)
    return size


def run(args: argparse.Namespace) -> int:
    chosen = chosen_routes(args)
    with scratch(args) as s:
        sizes = [measure_size(args, s, events) for events in args.sizes]
    first, last = sizes[0], sizes[-1]
    for size in sizes:
        print(f"\nAt {size.events:,} events:")
        print("\n".join(route_table(size.routes)))
    header, rows = ["Route"], []
    for size in sizes:
        at = f"{size.events:,}"
        header += [f"× hello ({at})", f"CPU × hello ({at})", f"SQL ({at})", f"Uncached ms ({at})"]
    header += [f"kB ({last.events:,})", "With CSS+JS kB"]
    for key in ["hello_first", *[r.key for r in chosen]]:
        row: list[Any] = [first.routes[key].label if key != "hello_first" else "bare Flask hello"]
        for size in sizes:
            r, pair = size.routes[key], [size.routes["hello_first"], size.routes["hello_last"]]
            if key == "hello_first":  # the baseline: its requests/s and CPU ms per request
                cpu = mean(one.app_cpu_ms_per_request or 0 for one in pair)
                row += [f"{mean(one.requests_per_s for one in pair):,.0f}/s", f"{cpu:.2f} ms"]
                row += ["", ""]
            elif key in size.broken:
                row += [size.broken[key], "—", "—", "—"]
            else:
                ms = "—" if r.in_process_ms is None else f"{r.in_process_ms:,.1f}"
                sql = "—" if r.statements is None else r.statements
                row += [ratio_text(r.ratio), ratio_text(r.cpu_ratio), sql, ms]
        weight = last.weights.get(key)
        row += [kb(last.routes[key].wire_bytes) if last.routes[key].wire_bytes else "—"]
        row += [kb(weight) if weight else "—"]
        rows.append(row)
    builds = [["Route", *[f"First build over HTTP ms ({size.events:,})" for size in sizes]]]
    for key in ("api", "rss", "ics", "ics_de", "geojson"):
        if key not in first.routes:
            continue
        label = first.routes[key].label
        builds.append(
            [label, *[size.broken.get(key) or f"{size.first_ms[key]:,.0f}" for size in sizes]]
        )
    memory = [
        "Worker RSS after the load, MB",
        *[" / ".join(f"{n / 1024:,.0f}" for n in size.workers_rss_kb) for size in sizes],
    ]
    table = [*markdown(header, rows), "", *markdown(builds[0], [*builds[1:], memory])]

    grew = [
        r.label
        for r in chosen
        if len({size.routes[r.key].statements for size in sizes if r.key not in size.broken}) > 1
    ]
    pages = [r.key for r in chosen if r.page]
    slow = [
        f"{first.routes[key].label} {first.routes[key].in_process_ms or 0:.1f}"
        f" → {last.routes[key].in_process_ms or 0:.1f} ms"
        for key in pages
        if key not in last.broken
        and (last.routes[key].in_process_ms or 0)
        > FLAT_TARGET * (first.routes[key].in_process_ms or 0)
    ]
    targets = []
    if "events" in first.routes:
        ratio = min(size.routes["events"].ratio for size in sizes)
        targets.append(
            (
                f"/events ≥ {EVENTS_RATIO_TARGET:.2f} × hello",
                ratio >= EVENTS_RATIO_TARGET,
                f"{ratio:.2f}",
            )
        )
    weighed = set(last.weights) - MAP_PAGES
    if weighed:
        heaviest = max(weighed, key=lambda key: last.weights[key])
        targets.append(
            (
                f"each page but /map and /campaign ≤ {PAGE_BYTES_TARGET // 1000} kB with its"
                " CSS and scripts",
                last.weights[heaviest] <= PAGE_BYTES_TARGET,
                f"heaviest {first.routes[heaviest].label}: {kb(last.weights[heaviest])} kB",
            )
        )
    if len(sizes) > 1:  # what grows with the number of events
        flat = f"uncached pages within {FLAT_TARGET:g} × their time at {first.events:,} events"
        targets += [
            (
                "SQL statements per uncached request independent of the number of events",
                not grew,
                "grew on " + ", ".join(grew) if grew else "same counts",
            ),
            (flat, not slow, "; ".join(slow) or "flat"),
        ]
    broken = [
        f"{size.events:,} events: {key} {why}" for size in sizes for key, why in size.broken.items()
    ]
    routes = {f"{size.events}/{key}": r for size in sizes for key, r in size.routes.items()}
    return finish(
        args,
        s,
        routes,
        table,
        postgres_only(targets, s.facts),
        broken="Routes that failed their first request: " + "; ".join(broken) if broken else None,
        sizes=[asdict(size) | {"routes": None} for size in sizes],
    )


if __name__ == "__main__":
    routes_help = "Only these routes, by key, comma-separated (campaign,map); all by default"
    sys.exit(
        main(
            "Every public route of Vigil against hello, at one or more sizes.",
            run,
            None,
            texts=[("--routes", routes_help)],
        )
    )
