"""Page benchmark: requests/second of the public pages as ratios against hello (``/healthz``).

wrk loads hello, ``/``, ``/events``, the event pages it links, the cached API list, RSS
feed and embedded list (with gzip, as readers ask), hello; each weighed with its CSS and
scripts, its SQL counted in-process at N and 2N events. bench/README.md; ``--help``.
"""

from __future__ import annotations

import argparse
import re
import sys

from _common import (
    BenchError,
    Load,
    apply_baseline,
    finish,
    gunicorn,
    hello_route,
    kb,
    main,
    measure_in_process,
    page_weight,
    postgres_only,
    route_table,
    scratch,
)

EVENTS_RATIO_TARGET, REACH_RATIO_TARGET = 0.30, 0.50  # from the issues (apply on PostgreSQL)
PAGE_BYTES_TARGET = 50_000
PAGES, REACH = ("home", "events", "event"), ("api", "rss", "embed")
GZIP = {"Accept-Encoding": "gzip"}  # what browsers and feed readers send


def run(args: argparse.Namespace) -> int:
    routes = {
        "hello_first": hello_route("first"),
        "home": Load("`/`", "/"),
        "events": Load("`/events`", "/events"),
        "event": Load("`/events/<slug>`", "/events/<slug>"),
        "api": Load("`/api/v1/events` (cached)", "/api/v1/events"),
        "rss": Load("`/events.rss` (cached)", "/events.rss"),
        "embed": Load("`/embed/events` (cached)", "/embed/events"),
        "hello_last": hello_route("last"),
    }
    paths = {key: [route.path] for key, route in routes.items()}
    with scratch(args) as s:
        with gunicorn(s.env, args) as server:
            listing = server.get("/events")
            slugs = re.findall(r'href="/events/([^"/?#]+)"', listing.body.decode())
            if listing.status != 200 or not slugs:
                raise BenchError(f"/events answered {listing.status} with no event links")
            paths["event"] = [f"/events/{slug}" for slug in dict.fromkeys(slugs)]
            weights = {}  # with CSS and scripts; of the event pages, the heaviest
            for key, route in routes.items():
                weighed = [page_weight(server.port, path) for path in paths[key]]
                html_bytes, with_assets, assets = max(weighed, key=lambda weight: weight[1])
                route.wire_bytes, weights[key] = html_bytes, (with_assets, assets)
            server.warm_up([path for key in (*PAGES, *REACH) for path in paths[key]])
            for key, route in routes.items():
                server.load(route, paths[key], GZIP if key in REACH else None)
        before = measure_in_process(s, [paths[key][0] for key in routes])
        s.add_events(args.events)
        after = measure_in_process(s, [paths[key][0] for key in routes])
    extra = {}
    for key, route in routes.items():
        first, grown = before[paths[key][0]], after[paths[key][0]]
        route.statements, route.in_process_ms = first.statements, first.median_ms
        extra[key] = [grown.statements, f"{grown.median_ms:.1f}", kb(weights[key][0])]
        if weights[key][1]:
            print(f"{route.path} loads {', '.join(weights[key][1])}")
    apply_baseline(routes)

    more = f"at {2 * args.events:,} events"
    header = [f"SQL {more}", f"In-process ms {more}", "With CSS+JS kB"]
    grew = [r.label for key, r in routes.items() if r.statements != extra[key][0]]
    heaviest = max(PAGES, key=lambda key: weights[key][0])
    ratio, slowest = routes["events"].ratio, min(REACH, key=lambda key: routes[key].ratio)
    targets = [
        (
            f"/events ≥ {EVENTS_RATIO_TARGET:.2f} × hello",
            ratio >= EVENTS_RATIO_TARGET,
            f"{ratio:.2f} × hello",
        ),
        (
            f"cached API, RSS and embed ≥ {REACH_RATIO_TARGET:.2f} × hello",
            routes[slowest].ratio >= REACH_RATIO_TARGET,
            f"slowest {routes[slowest].label}: {routes[slowest].ratio:.2f} × hello",
        ),
        (
            "SQL statements per request independent of the number of events",
            not grew,
            "grew on " + ", ".join(grew) if grew else "same counts",
        ),
        (
            f"each page ≤ {PAGE_BYTES_TARGET // 1000} kB with its CSS and scripts",
            weights[heaviest][0] <= PAGE_BYTES_TARGET,
            f"heaviest {routes[heaviest].label}: {kb(weights[heaviest][0])} kB",
        ),
    ]
    table = route_table(routes, header, extra)
    return finish(args, s, routes, table, postgres_only(targets, s.facts), weights=weights)


if __name__ == "__main__":
    sys.exit(main("Requests/second of Vigil's public pages, as ratios against hello.", run, None))
