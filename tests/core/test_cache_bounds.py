"""Expensive requests are bounded: one client cannot fill the cache or keep workers busy.

Each made-up query string used to store another cache entry (``?junk=1`` an alias of
its own, every ``near`` value a document), and feed builds had no limit. Now an entry
is stored only for the canonical spelling of a request or for a build, builds are rate
limited per client, and 1,000 requests of one client add at most ``BOUND`` entries:
per build a document, its first-served date and one alias (a page: one entry).

And what the cache holds is bytes (app.cachestore): a pickle planted in Redis or in the
cache directory is never unpickled, it is a miss.
"""

from __future__ import annotations

import pickle
import struct
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import httpcache
from app.config import cache_redis_url
from app.models import Event
from tests.conftest import TEST_REDIS_URL
from tests.factories import make_event

BUILDS = 5
# Per build at most: the document, when it was first served, its alias; +1 the generation.
BOUND = 3 * BUILDS + 1
REQUESTS = 1000


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    limit = f"{BUILDS} per minute"
    return {
        "FEED_BUILD_RATE_LIMIT": limit,
        "MAP_BUILD_RATE_LIMIT": limit,
        "PAGE_BUILD_RATE_LIMIT": limit,
    }


@pytest.fixture
def event(app: Flask) -> Event:
    return make_event()


def _entries(app: Flask) -> int:
    """How many entries the cache holds (Redis' cache database, or the cache files)."""
    if TEST_REDIS_URL:
        import redis

        store = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
        return sum(1 for _ in store.scan_iter("vigil:*"))
    return sum(1 for _ in Path(app.config["CACHE_DIR"]).iterdir())


JUNK = {
    "feed": "/calendar.ics?junk={i}",
    "feed-near": "/calendar.ics?near=52.{i:04d},13.4",
    "feed-radius": "/calendar.ics?near=52.52,13.40&radius_km={r}",
    "geojson": "/events.geojson?junk={i}",
    "geojson-near": "/events.geojson?near=48.{i:04d},2.35",
    "venue-events": "/venues/{venue}/events.json?junk={i}",
    "venue-events-near": "/venues/{venue}/events.json?near=48.{i:04d},2.35",
    "page": "/events?junk={i}",
    "page-near": "/events?near=35.{i:04d},51.4",
    "page-near-canonical": "/events?near={lat:.2f},51.40",
    "map-near": "/map?near=-33.{i:04d},151.2",
}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The feeds and GeoJSON documents built (app.httpcache)."""
    built: list[str] = []
    original = httpcache._build

    def counting(kind: httpcache.Kind, source: httpcache.Source) -> httpcache.Document:
        document = original(kind, source)
        built.append(kind.name)
        return document

    monkeypatch.setattr(httpcache, "_build", counting)
    return built


@pytest.mark.parametrize("name", list(JUNK))
def test_a_thousand_made_up_queries_add_a_bounded_number_of_entries(
    app: Flask, client: FlaskClient, event: Event, builds: list[str], name: str
) -> None:
    # The plain document is built and cached first, as a visitor would find it.
    plain = JUNK[name].split("?")[0].format(venue=event.venue_id)
    assert client.get(plain).status_code == 200
    before = _entries(app)
    builds.clear()
    statuses: dict[int, int] = {}
    for i in range(REQUESTS):
        url = JUNK[name].format(i=i, r=1 + i % 2000, lat=i / 100 - 5, venue=event.venue_id)
        status = client.get(url).status_code
        statuses[status] = statuses.get(status, 0) + 1
    # Each answer is a build within the limit, a cached document or a 429.
    assert set(statuses) <= {200, 429}, statuses
    assert len(builds) <= BUILDS
    assert _entries(app) - before <= BOUND, (name, statuses)
    if name in ("feed", "geojson", "venue-events"):
        # Unknown parameters: every one is the cached plain document, nothing is built.
        assert statuses == {200: REQUESTS}
        assert builds == []
    else:
        # More distinct documents were asked for than the limit lets one client build.
        assert statuses.get(429, 0) > 0


def test_made_up_parameters_get_the_plain_documents_validators(
    client: FlaskClient, event: Event
) -> None:
    plain = client.get("/calendar.ics")
    junk = client.get("/calendar.ics?junk=1")
    assert junk.data == plain.data
    assert junk.headers["ETag"] == plain.headers["ETag"]
    again = client.get("/calendar.ics?junk=1", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_feed_builds_are_rate_limited_with_a_plain_text_429(
    client: FlaskClient, event: Event
) -> None:
    assert client.get("/calendar.ics").status_code == 200
    for radius in (5, 10, 25, 50):
        assert client.get(f"/calendar.ics?near=Berlin&radius_km={radius}").status_code == 200
    refused = client.get("/calendar.ics?near=Berlin&radius_km=250")
    assert refused.status_code == 429
    assert refused.mimetype == "text/plain"
    assert refused.headers["Retry-After"]
    # Feeds already built are still served, as often as asked.
    for _ in range(10):
        assert client.get("/calendar.ics?near=Berlin&radius_km=5").status_code == 200
    assert client.get("/calendar.ics").status_code == 200


def test_one_events_file_is_not_rate_limited(client: FlaskClient, event: Event) -> None:
    # One document per public event and language; a build reads one event.
    others = [make_event(event.venue, title=f"Vigil {n}") for n in range(BUILDS + 2)]
    for each in [event, *others]:
        assert client.get(f"/events/{each.slug}.ics").status_code == 200


# --- nothing read from the cache runs code --------------------------------------------------

RAN: list[str] = []


def _ran() -> None:
    RAN.append("unpickled")


class _Planted:
    """Unpickling this calls ``_ran``: what an attacker's payload would do."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_ran, ())


def _plant_pickles(app: Flask) -> int:
    """Overwrite every cache entry with a pickle, as Flask-Caching itself would store it."""
    payload = pickle.dumps(_Planted())
    if TEST_REDIS_URL:
        import redis

        store = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
        keys = list(store.scan_iter("vigil:*"))
        for key in keys:
            store.set(key, b"!" + payload)  # RedisSerializer's pickle marker
        return len(keys)
    files = list(Path(app.config["CACHE_DIR"]).iterdir())
    for file in files:
        file.write_bytes(struct.pack("I", 0) + payload)  # FileSystemCache: timeout, pickle
    return len(files)


@pytest.mark.parametrize("url", ["/events", "/calendar.ics", "/events.geojson", "/"])
def test_a_pickle_planted_in_the_cache_is_never_unpickled(
    app: Flask, client: FlaskClient, event: Event, url: str
) -> None:
    first = client.get(url)
    assert first.status_code == 200
    assert _plant_pickles(app) >= 2
    RAN.clear()
    again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data or url != "/calendar.ics"
    assert RAN == []


# --- the cache's own database ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("redis_url", "cache_url"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("rediss://user:pw@cache.example:6380/3", "rediss://user:pw@cache.example:6380/4"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=3"),
        (None, None),
    ],
)
def test_the_cache_is_kept_apart_from_the_rate_limit_counters(
    redis_url: str | None, cache_url: str | None
) -> None:
    assert cache_redis_url(redis_url) == cache_url
