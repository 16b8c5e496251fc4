"""RSVP benchmark: RSVPs/second with concurrent clients, and the overbooking count (must be 0).

``--connections`` clients open a session each; wrk POSTs RSVPs with them in turn. In
``--races`` all clients POST at once for the last 3 of 10 places. Overbooking exits 1."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from _common import (
    HELLO_PATH,
    BenchError,
    Load,
    Request,
    Server,
    apply_baseline,
    fetch,
    finish,
    gunicorn,
    hello_route,
    main,
    measure_in_process,
    route_table,
    scratch,
)

DONE_PATH, SESSION_COOKIE = "/rsvp/done", "vigil"  # the cookie's name without Secure cookies
TOKEN_PATH = "/rsvp/token"  # JSON {"csrf_token": …}, where the event page's form has none
RSVP_RATE_LIMIT = "1000000 per hour"
RSVP_EVENT_RATE_LIMIT = "1000000 per day"  # all clients RSVP to one event from one address
RSVPS_PER_S_TARGET, TARGET_CONNECTIONS = 500, 50  # from the issue, on PostgreSQL
PARTY_SIZES = (1, 2, 1, 3, 1, 2, 4, 1, 2, 5)  # in turn by client: mostly one or two people
RACE_CAPACITY, RACE_TAKEN = 10, (3, 4)  # parties going before a race: 3 places are left
RACE_TIMEOUT_S = 30

# Added to wrk's script: every thread counts its answers by status, and the RSVPs made.
COUNT_ANSWERS = f"""
local DONE = "{DONE_PATH}"
answers, made = {{}}, 0
function response(status, headers)
  answers[status] = (answers[status] or 0) + 1
  local location = headers["Location"] or ""
  if status == 303 and location:sub(-#DONE) == DONE then made = made + 1 end
end
function tally(threads, out)
  out.ok = 0
  for _, thread in ipairs(threads) do
    out.ok = out.ok + thread:get("made")
    for status, n in pairs(thread:get("answers")) do
      out["answer_" .. status] = (out["answer_" .. status] or 0) + n
    end
  end
end
"""


def csrf_token(page: str) -> str | None:
    """The value of the page's ``csrf_token`` hidden input, if it has one."""
    tag = re.search(r'<input\b[^>]*\bname="csrf_token"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group()) if tag else None
    return html.unescape(value.group(1)) if value else None


def rsvp_form(token: str, client: int) -> dict[str, str]:
    """The fields a browser sends for client number ``client``: no e-mail (box unticked)."""
    size = str(PARTY_SIZES[client % len(PARTY_SIZES)])
    fields = {"csrf_token": token, "display_name": f"Client {client}", "party_size": size}
    return fields | {"email": "", "submit": "I'll be there"}


def token_answer(status: int, body: bytes) -> str | None:
    """The CSRF token of a ``GET /rsvp/token`` answer, None if there is no such route."""
    if status != 200:
        return None
    token = json.loads(body).get("csrf_token")
    return token if isinstance(token, str) and token else None


def open_sessions(server: Server, slug: str, count: int) -> list[tuple[str, str]]:
    """``count`` clients GET the event page once, then the token as its form's script
    does (``GET /rsvp/token``), or, where no such route exists, take it from the form:
    (session cookie, CSRF token) each."""
    sessions = []
    for _ in range(count):
        page = server.get(f"/events/{slug}")
        text = page.body.decode("utf-8", "replace")
        if page.status != 200 or f"/events/{slug}/rsvp" not in text:
            raise BenchError(f"/events/{slug} answered {page.status} without the RSVP form")
        answer = server.get(TOKEN_PATH, {"Accept": "application/json"})
        token = token_answer(answer.status, answer.body)
        answer = answer if token else page
        cookie = re.search(rf"(?im)^set-cookie:\s*{SESSION_COOKIE}=([^;\r\n]+)", answer.head)
        token = token or csrf_token(text)
        if not cookie or not token:
            raise BenchError(f"/events/{slug} and {TOKEN_PATH} gave no session and token")
        sessions.append((cookie.group(1), token))
    return sessions


def posts(slug: str, sessions: Sequence[tuple[str, str]]) -> list[Request]:
    """One RSVP POST per client, with its cookie and token."""
    form = "application/x-www-form-urlencoded"
    return [
        Request(
            "POST",
            f"/events/{slug}/rsvp",
            {"Cookie": f"{SESSION_COOKIE}={cookie}", "Content-Type": form},
            urlencode(rsvp_form(token, client)),
        )
        for client, (cookie, token) in enumerate(sessions)
    ]


def race(server: Server, requests: Sequence[Request]) -> dict[str, Any]:
    """Every client POSTs its RSVP once, all at the same instant (a thread each): the
    answers by status (0: no answer), the RSVPs made, the time to the last answer."""
    barrier = threading.Barrier(len(requests))

    def post(one: Request) -> tuple[int, bool, float]:
        barrier.wait()
        started, body = time.perf_counter(), (one.body or "").encode()
        try:
            got = fetch(
                server.port,
                one.path,
                one.headers,
                method="POST",
                body=body,
                timeout_s=RACE_TIMEOUT_S,
            )
        except OSError:
            return 0, False, time.perf_counter() - started
        made = got.status == 303 and (got.header("Location") or "").endswith(DONE_PATH)
        return got.status, made, time.perf_counter() - started

    with ThreadPoolExecutor(len(requests)) as pool:
        results = list(pool.map(post, requests))
    return {
        "answers": dict(Counter(status for status, _, _ in results)),
        "made": sum(made for _, made, _ in results),
        "last_answer_ms": round(1000 * max(seconds for _, _, seconds in results)),
    }


def create_events(s: Any, capacity: int, races: int) -> list[str]:
    """The benchmark's events, through the app's services, and the RSVPs taking 7 of
    each race's 10 places; their slugs: measured, warm-up, in-process, the races."""
    from datetime import datetime, timedelta
    from datetime import time as wall_time
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from app import create_app
    from app.clock import now_utc
    from app.demo.services import demo_organizer
    from app.events.services import EventInput, create_event
    from app.extensions import db
    from app.models import EventKind, Repeat, Venue
    from app.rsvp.services import create_rsvp

    with create_app(environ=s.env).app_context():
        try:
            venue = db.session.scalars(
                select(Venue).where(Venue.latitude.is_not(None)).order_by(Venue.id)
            ).first()
            if venue is None:
                raise BenchError("No venue with coordinates: `flask venues import` added none.")
            day = now_utc().astimezone(ZoneInfo(venue.timezone)).date() + timedelta(days=7)
            starts = datetime.combine(day, wall_time(18))
            fields = {"description": "An event of the RSVP benchmark.", "kind": EventKind.VIGIL}
            fields |= {"venue": venue, "timezone": venue.timezone, "starts_local": starts}
            fields |= {"ends_local": starts + timedelta(hours=2), "repeat": Repeat.NONE}
            fields |= {"repeat_until_on": None, "skip_dates": frozenset(), "contact_url": None}
            places = [capacity] * 3 + [RACE_CAPACITY] * races
            titles = ["RSVP benchmark", "RSVP warm-up", "RSVP in-process"]
            titles += [f"RSVP race {n + 1}" for n in range(races)]
            created = [
                create_event(
                    organizer=demo_organizer(),
                    data=EventInput(title=title, capacity=n, publish=True, **fields),
                )
                for title, n in zip(titles, places, strict=True)
            ]
            db.session.commit()
            for one in created[3:]:
                for size in RACE_TAKEN:
                    create_rsvp(one.id, display_name=None, party_size=size, email=None)
            return [one.slug for one in created]
        finally:
            db.session.remove()
            db.engine.dispose()


def event_state(url: str, slug: str) -> dict[str, int]:
    """The event's capacity and RSVPs, read from the database: overbooked = people
    going beyond capacity; lost = 1 if a waitlisted party would fit in the places left
    (going only grows while RSVPs come in, so it fitted when it came). Both must be 0."""
    from sqlalchemy import create_engine, func, select

    from app.models import Event
    from app.models.rsvp import Rsvp, RsvpStatus

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            event_id, capacity = conn.execute(
                select(Event.id, Event.capacity).where(Event.slug == slug)
            ).one()
            size = Rsvp.party_size
            rows = conn.execute(
                select(Rsvp.status, func.count(), func.sum(size), func.min(size))
                .where(Rsvp.event_id == event_id)
                .group_by(Rsvp.status)
            ).all()
    finally:
        engine.dispose()
    found = {row[0]: row[1:] for row in rows}
    going, waiting = found.get(RsvpStatus.GOING, (0, 0)), found.get(RsvpStatus.WAITLISTED)
    return {
        "capacity": capacity,
        "going_people": going[1],
        "rsvps": going[0] + (waiting[0] if waiting else 0),
        "overbooked": max(0, going[1] - capacity),
        "lost_place": int(waiting is not None and waiting[2] <= capacity - going[1]),
    }


def run(args: argparse.Namespace) -> int:
    routes = {
        "hello_first": hello_route("first"),
        "rsvp": Load("`POST /events/<slug>/rsvp`", "/events/<slug>/rsvp"),
        "races": Load(f"{args.races} races of {args.connections} clients for 3 of 10 places", ""),
        "hello_last": hello_route("last"),
    }
    limits = {"VIGIL_RSVP_RATE_LIMIT": RSVP_RATE_LIMIT}
    with scratch(args, **limits, VIGIL_RSVP_EVENT_RATE_LIMIT=RSVP_EVENT_RATE_LIMIT) as s:
        measured, warmup, in_process, *race_slugs = create_events(s, args.capacity, args.races)
        s.analyze()
        with gunicorn(s.env, args) as server:
            print(f"{args.connections} clients open their sessions…", file=sys.stderr)
            sessions = open_sessions(server, measured, args.connections)
            server.warm_up(posts(warmup, sessions))
            server.load(routes["hello_first"], [HELLO_PATH])
            found = server.load(routes["rsvp"], posts(measured, sessions), lua=COUNT_ANSWERS)
            answers = {int(k[7:]): int(n) for k, n in found.items() if k.startswith("answer_")}
            print(f"{args.races} races for the last places…", file=sys.stderr)
            races = [race(server, posts(slug, sessions)) for slug in race_slugs]
            server.load(routes["hello_last"], [HELLO_PATH])
        event = event_state(s.url, measured)
        for one, slug in zip(races, race_slugs, strict=True):
            one |= event_state(s.url, slug)
        print("In-process: the SQL of one RSVP…", file=sys.stderr)
        token: list[str] = []

        def form(client: Any, number: int) -> dict[str, str]:
            if not token:  # one session: the client keeps its cookie
                answer = client.get(TOKEN_PATH)
                page = client.get(f"/events/{in_process}").get_data(True)
                token.append(
                    token_answer(answer.status_code, answer.data) or csrf_token(page) or ""
                )
            return rsvp_form(token[0], number)

        path = f"/events/{in_process}/rsvp"
        one_rsvp = measure_in_process(s, [path], form=form, expect_status=303)[path]
    routes["rsvp"].statements, routes["rsvp"].in_process_ms = (
        one_rsvp.statements,
        one_rsvp.median_ms,
    )
    routes["races"].non_2xx = sum(sum(one["answers"].values()) - one["made"] for one in races)
    apply_baseline(routes)

    print(
        f"\nThe server ran with VIGIL_RSVP_RATE_LIMIT={RSVP_RATE_LIMIT!r} and"
        f" VIGIL_RSVP_EVENT_RATE_LIMIT={RSVP_EVENT_RATE_LIMIT!r}. Each client has its"
        " own session; an RSVP made = 303 to /rsvp/done (not followed).\nMeasured event:"
        f" answers {answers}; in the database {event}."
    )
    for number, one in enumerate(races, 1):
        print(f"  race {number:>2}: {one}")
    print(
        f"In-process (test client): one RSVP sends {one_rsvp.statements} SQL statements;"
        f" median {one_rsvp.median_ms:.1f} ms, {one_rsvp.median_cpu_ms:.1f} ms of CPU."
    )
    states = [event, *races]
    overbooked, lost = sum(x["overbooked"] for x in states), sum(x["lost_place"] for x in states)
    most = max((one["going_people"] for one in races), default=0)
    extra = {"rsvp": [f"{event['going_people']} / {args.capacity}", event["overbooked"]]}
    extra["rsvp"].append(event["lost_place"])
    extra["races"] = [f"≤ {most} / {RACE_CAPACITY}", overbooked - event["overbooked"]]
    extra["races"].append(lost - event["lost_place"])
    table = route_table(routes, ["Going / capacity", "Overbooked", "Place lost"], extra)
    speed = f"≥ {RSVPS_PER_S_TARGET} RSVPs/s with {TARGET_CONNECTIONS} clients"
    if not s.facts["database"].startswith("PostgreSQL"):
        speed += " (applies on PostgreSQL)"
    elif args.connections != TARGET_CONNECTIONS:
        speed += f" (measured with {args.connections})"
    rate = routes["rsvp"].requests_per_s
    targets = [
        (speed, rate >= RSVPS_PER_S_TARGET, f"{rate:,.0f}/s"),
        (f"0 overbooked (the event and {len(races)} races)", not overbooked, f"{overbooked}"),
        ("no place lost (no waitlisted party fits in the places left)", not lost, f"{lost}"),
    ]
    broken = "RSVPs were overbooked or a place was lost: capacity is not exact."
    results = {"measured_event": event | {"answers": answers}, "races": races}
    results["in_process"] = {"statements": one_rsvp.statements, "cpu_ms": one_rsvp.median_cpu_ms}
    broken_text = broken if overbooked or lost else None
    return finish(args, s, routes, table, targets, broken=broken_text, **results)


if __name__ == "__main__":
    options = [("--capacity", 100, "Places of the measured event", 1, 10_000)]
    options += [("--races", 10, "Races for the last places", 0, 100)]
    description = "RSVPs/second with concurrent clients, and the overbooking count."
    sys.exit(main(description, run, None, options))
