"""Feed benchmark: requests/second of ``/calendar.ics`` as ratios against hello (``/healthz``).

wrk loads hello (first); the feed from the page cache (200); revalidated with
``If-None-Match`` (304); rebuilt for every request by a second gunicorn with
``VIGIL_PAGE_CACHE_SECONDS=0`` (``--cold-connections`` for ``--cold-seconds``: a rebuild
takes about half a second); hello (last). In-process: SQL per request, and the uncached
build at N and 2N events. See bench/README.md; ``--help`` for the options.
"""

from __future__ import annotations

import argparse
import gzip
import sys

from _common import (
    HELLO_PATH,
    WORKERS,
    BenchError,
    Load,
    Scratch,
    apply_baseline,
    finish,
    gunicorn,
    hello_route,
    kb,
    main,
    markdown,
    measure_in_process,
    postgres_only,
    route_table,
    scratch,
)

FEED_PATH = "/calendar.ics"
NOT_MODIFIED_RATIO_TARGET = 0.60  # targets from the issue (they apply on PostgreSQL)
FRESH_RATIO_TARGET = 0.10
BUILDS = 9  # uncached builds timed in-process per size (each takes a good part of a second)
# A rebuilt feed can wait behind others in gunicorn's queue (with 50 connections it
# would wait longer than this); gunicorn's worker timeout (30 s) bounds the rebuild.
COLD_TIMEOUT_S = 60


def build(s: Scratch, events: int) -> dict[str, float]:
    """The uncached feed built in-process: SQL, median time, size (also gzipped, as a
    proxy compressing at level 6 would send it), VEVENTs. BenchError unless 200."""
    built = measure_in_process(s, [FEED_PATH], BUILDS)[FEED_PATH]
    return {
        "events": events,
        "statements": built.statements,
        "median_ms": built.median_ms,
        "feed_bytes": len(built.body),
        "gzip_bytes": len(gzip.compress(built.body, compresslevel=6)),
        "vevents": built.body.count(b"BEGIN:VEVENT"),
    }


def run(args: argparse.Namespace) -> int:
    routes = {
        "hello_first": hello_route("first"),
        "fresh": Load(f"`{FEED_PATH}` from the cache (200)", FEED_PATH),
        "not_modified": Load(f"`{FEED_PATH}` If-None-Match (304)", FEED_PATH),
        "cold": Load(f"`{FEED_PATH}` cache off (200, rebuilt)", FEED_PATH),
        "hello_last": hello_route("last"),
    }
    with scratch(args) as s:
        with gunicorn(s.env, args) as server:
            feed = server.get(FEED_PATH)
            revalidate = {"If-None-Match": feed.header("ETag") or ""}
            unchanged = server.get(FEED_PATH, revalidate)
            if feed.status != 200 or not feed.complete or unchanged.status != 304:
                raise BenchError(f"{FEED_PATH} answered {feed.status}, then {unchanged.status}")
            for key, answer in (("hello_first", server.get(HELLO_PATH)), ("fresh", feed)):
                routes[key].wire_bytes = answer.wire_bytes
            routes["hello_last"].wire_bytes = routes["hello_first"].wire_bytes
            routes["cold"].wire_bytes = feed.wire_bytes
            routes["not_modified"].wire_bytes = unchanged.wire_bytes
            server.warm_up([HELLO_PATH, FEED_PATH])
            server.load(routes["hello_first"], [HELLO_PATH])
            server.load(routes["fresh"], [FEED_PATH])
            server.load(routes["not_modified"], [FEED_PATH], revalidate)
            print("Starting gunicorn with the page cache off…", file=sys.stderr)
            # Every request is a build there: not limited per client as in production.
            unlimited = {"VIGIL_FEED_BUILD_RATE_LIMIT": "1000000 per minute"}
            with gunicorn({**s.env, "VIGIL_PAGE_CACHE_SECONDS": "0", **unlimited}, args) as cold:
                options = {"connections": args.cold_connections, "timeout_s": COLD_TIMEOUT_S}
                if args.warmup:
                    cold.load(Load("warm-up", ""), [FEED_PATH], seconds=args.warmup, **options)
                cold.load(routes["cold"], [FEED_PATH], seconds=args.cold_seconds, **options)
            server.load(routes["hello_last"], [HELLO_PATH])

        print("In-process: the cached feed, the 304 and the uncached build…", file=sys.stderr)
        config = {"PAGE_CACHE_SECONDS": 60, "CACHE_DIR": str(s.folder / "in-process")}
        found = measure_in_process(s, [HELLO_PATH, FEED_PATH], config=config)
        revalidate = {"If-None-Match": found[FEED_PATH].etag or ""}
        found["304"] = measure_in_process(
            s, [FEED_PATH], config=config, headers=revalidate, expect_status=304
        )[FEED_PATH]
        builds = [build(s, args.events)]
        s.add_events(args.events)
        builds.append(build(s, 2 * args.events))
    for key, path in zip(routes, [HELLO_PATH, FEED_PATH, "304", "", HELLO_PATH], strict=True):
        if path:
            routes[key].statements = found[path].statements
            routes[key].in_process_ms = found[path].median_ms
    cold = routes["cold"]
    cold.statements, cold.in_process_ms = builds[0]["statements"], builds[0]["median_ms"]
    apply_baseline(routes)

    header = ["Uncached build, in-process", "VEVENTs", "Feed kB", "gzip kB", "SQL"]
    rows = []
    for b in builds:
        sizes = [f"{b['vevents']:,}", kb(int(b["feed_bytes"])), kb(int(b["gzip_bytes"]))]
        rows.append([f"{b['events']:,} events", *sizes, b["statements"], f"{b['median_ms']:,.0f}"])
    table = [*route_table(routes), "", *markdown([*header, f"Median ms of {BUILDS}"], rows), ""]
    table.append(
        f"Cache off: a second gunicorn, {args.cold_connections} connections, {args.cold_seconds} s."
    )
    fresh, not_modified = routes["fresh"].ratio, routes["not_modified"].ratio
    counts = " → ".join(f"{b['statements']} ({b['events']:,} events)" for b in builds)
    most, least = NOT_MODIFIED_RATIO_TARGET, FRESH_RATIO_TARGET
    targets = [
        (f"304 ≥ {most:.2f} × hello", not_modified >= most, f"{not_modified:.2f} × hello"),
        (f"fresh {args.events:,}-event feed ≥ {least:.2f} × hello", fresh >= least, f"{fresh:.2f}"),
        (
            "SQL statements per uncached build independent of the number of events",
            len({b["statements"] for b in builds}) == 1,
            counts,
        ),
    ]
    return finish(args, s, routes, table, postgres_only(targets, s.facts), builds=builds)


if __name__ == "__main__":
    description = "Requests/second of Vigil's /calendar.ics (cached, 304, rebuilt) against hello."
    options = [("--cold-connections", 2 * WORKERS, "Connections, cache off", 1, 1000)]
    options += [("--cold-seconds", 10, "Seconds, cache off", 1, 600)]
    sys.exit(main(description, run, None, options))
