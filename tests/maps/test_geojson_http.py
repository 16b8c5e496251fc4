"""HTTP behaviour of /events.geojson: validators, 304s, gzip and its cost in SQL.

Issue 5 (Scale): served from a cache keyed on the data's last change, 304 on a
matching ETag, a constant number of queries per fresh request whatever the
number of events, none for a repeated one.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import clock
from app.events.services import cancel_event
from app.extensions import db
from app.models import Repeat, User, Venue
from tests.conftest import DEFAULT_NOW, sql_statements
from tests.factories import (
    apia,
    berlin_embassy,
    berlin_mitte,
    hamburg_rathausmarkt,
    make_event,
    make_user,
    suva,
)
from tests.maps.conftest import World, one_more_event
from tests.maps.parsing import GEOJSON_TYPE, features, titles

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
URLS = (
    "/events.geojson",
    "/events.geojson?country=DE&kind=vigil",
    "/events.geojson?near=Berlin&radius_km=300",
    "/events.geojson?bbox=170,-30,-165,0",
)


def test_headers(client: FlaskClient, world: World) -> None:
    response = client.get("/events.geojson", headers=IDENTITY)

    assert response.status_code == 200
    assert response.mimetype == GEOJSON_TYPE
    assert "Content-Encoding" not in response.headers
    assert re.fullmatch(r'"[0-9a-f]{16,64}"', response.headers["ETag"]), "a strong ETag, not W/"
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=60"}
    # The body depends on the encoding and the language (kind_label, when).
    assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= set(response.vary)
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_gzip_is_the_same_document(client: FlaskClient, world: World) -> None:
    for url in URLS:
        plain = client.get(url, headers=IDENTITY)
        packed = client.get(url, headers=GZIP)
        assert packed.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert packed.mimetype == GEOJSON_TYPE
        assert gzip.decompress(packed.data) == plain.data, url
        assert len(packed.data) < len(plain.data), url
        # Each encoding is its own representation, with its own strong validator.
        assert packed.headers["ETag"] != plain.headers["ETag"]
        assert not packed.headers["ETag"].startswith("W/")
        assert json.loads(plain.data)["type"] == "FeatureCollection"


@pytest.mark.parametrize("encoding", [GZIP, IDENTITY, {}])
def test_if_none_match_gives_304(
    client: FlaskClient, world: World, encoding: dict[str, str]
) -> None:
    for url in URLS:
        first = client.get(url, headers=encoding)
        etag = first.headers["ETag"]
        again = client.get(url, headers={**encoding, "If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.data == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
        listed = client.get(url, headers={**encoding, "If-None-Match": f'"other", {etag}'})
        assert listed.status_code == 304
        other = client.get(url, headers={**encoding, "If-None-Match": '"other"'})
        assert other.status_code == 200
        assert other.data == first.data


def test_the_other_encodings_etag_is_not_a_match(client: FlaskClient, world: World) -> None:
    plain = client.get("/events.geojson", headers=IDENTITY)
    packed = client.get("/events.geojson", headers=GZIP)
    # A gzip body must not be confirmed to a client that holds the identity one, and back.
    crossed = client.get(
        "/events.geojson", headers={**GZIP, "If-None-Match": plain.headers["ETag"]}
    )
    assert crossed.status_code == 200
    assert crossed.headers["Content-Encoding"] == "gzip"
    crossed = client.get(
        "/events.geojson", headers={**IDENTITY, "If-None-Match": packed.headers["ETag"]}
    )
    assert crossed.status_code == 200
    assert crossed.data == plain.data


def test_head_gives_the_headers_without_body(client: FlaskClient, world: World) -> None:
    got = client.get("/events.geojson", headers=GZIP)
    head = client.head("/events.geojson", headers=GZIP)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Cache-Control", "Content-Encoding"):
        assert head.headers[name] == got.headers[name]


@pytest.mark.parametrize("encoding", [GZIP, IDENTITY])
def test_a_commit_changes_the_etag_and_the_content(
    client: FlaskClient, world: World, encoding: dict[str, str]
) -> None:
    first = client.get("/events.geojson", headers=encoding)
    one_more_event(world, "Vigil added later")

    again = client.get(
        "/events.geojson", headers={**encoding, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    body = gzip.decompress(again.data) if encoding is GZIP else again.data
    assert "Vigil added later" in body.decode()


def test_a_cancellation_shows_at_once(client: FlaskClient, world: World) -> None:
    first = client.get("/events.geojson")
    event = world.events["toronto"]
    cancel_event(event, reason="", editor=world.organizer)
    db.session.commit()
    again = client.get("/events.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    found = json.loads(again.data)["features"]
    flags = {e["title"]: e["cancelled"] for f in found for e in f["properties"]["events"]}
    assert flags["Rally in Toronto"] is True


def test_an_unpublished_event_disappears_at_once(client: FlaskClient, world: World) -> None:
    assert "Rally in Toronto" in titles(client)
    world.events["toronto"].status = "draft"
    db.session.commit()
    assert "Rally in Toronto" not in titles(client)


def test_the_document_follows_the_language(client: FlaskClient, world: World) -> None:
    english = client.get("/events.geojson", headers={"Accept-Language": "en"})
    persian = client.get("/events.geojson", headers={"Accept-Language": "fa"})
    assert persian.status_code == 200
    assert persian.data != english.data
    assert persian.headers["ETag"] != english.headers["ETag"]
    in_persian = json.loads(persian.data)["features"]
    in_english = json.loads(english.data)["features"]
    labels = {e["kind_label"] for f in in_persian for e in f["properties"]["events"]}
    assert labels.isdisjoint({"Vigil", "Rally"})
    # The language-independent fields are the same.
    assert [f["geometry"] for f in in_persian] == [f["geometry"] for f in in_english]


def test_an_expired_hour_rebuilds_without_changing_an_unchanged_etag(
    client: FlaskClient, world: World
) -> None:
    first = client.get("/events.geojson")
    clock.freeze(DEFAULT_NOW + timedelta(hours=1))
    again = client.get("/events.geojson", headers={"If-None-Match": first.headers["ETag"]})
    # Nothing ended in that hour: the same bytes, so the same validator.
    assert again.status_code == 304


# --- cost -----------------------------------------------------------------------------------


def test_a_repeated_request_runs_no_sql(client: FlaskClient, world: World) -> None:
    for url in URLS:
        for encoding in (GZIP, IDENTITY):
            first = client.get(url, headers=encoding)
            db.session.commit()
            with sql_statements() as statements:
                fresh = client.get(url, headers=encoding)
                conditional = client.get(
                    url, headers={**encoding, "If-None-Match": first.headers["ETag"]}
                )
            assert fresh.status_code == 200
            assert fresh.data == first.data
            assert conditional.status_code == 304
            assert statements == [], (url, encoding)


def _fresh_statements(client: FlaskClient, url: str) -> list[str]:
    db.session.commit()
    with sql_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def _add_events(organizer: User, venues: list[Venue], count: int, start: int) -> None:
    for n in range(start, start + count):
        make_event(
            venues[n % len(venues)],
            organizer=organizer,
            title=f"Vigil number {n}",
            kind=("vigil", "rally")[n % 2],
            starts_local=datetime(2026, 12, 1, 10, 0) + timedelta(hours=n),  # noqa: DTZ001
            commit=False,
        )
    db.session.commit()


@pytest.mark.parametrize("url", URLS)
def test_a_fresh_request_runs_as_many_statements_for_60_events_as_for_3(
    client: FlaskClient, app: Any, url: str
) -> None:
    organizer = make_user()
    venues = [berlin_embassy(), berlin_mitte(), hamburg_rathausmarkt(), suva(), apia()]
    _add_events(organizer, venues, 3, start=0)
    few = _fresh_statements(client, url)

    _add_events(organizer, venues, 57, start=3)
    many = _fresh_statements(client, url)
    assert sum(f["properties"]["event_count"] for f in features(client)) == 60

    assert len(many) == len(few), (few, many)
    assert 1 <= len(many) <= 3


def test_a_recurring_series_costs_no_more_statements(client: FlaskClient, app: Any) -> None:
    venue = berlin_embassy()
    make_event(venue, title="One-off")
    one = _fresh_statements(client, "/events.geojson")
    make_event(
        venue,
        title="Every day",
        starts_local=datetime(2026, 11, 26, 9, 0),  # noqa: DTZ001
        repeat=Repeat.DAILY,
        repeat_until_on=datetime(2027, 3, 1).date(),  # noqa: DTZ001
    )
    series = _fresh_statements(client, "/events.geojson")
    assert len(series) == len(one)
    assert titles(client) == ["Every day", "One-off"]


# --- one build per filter set ---------------------------------------------------------------


def test_one_build_per_filter_set(client: FlaskClient, world: World, builds: list[int]) -> None:
    first = client.get("/events.geojson?country=DE&kind=vigil")
    for spelling in (
        "country=DE&kind=vigil",
        "kind=vigil&country=de",
        "kind=vigil&country=DE&city=&junk=1",
        "country=de&kind=vigil&radius_km=300",  # a radius without near filters nothing
    ):
        again = client.get(f"/events.geojson?{spelling}")
        assert again.data == first.data, spelling
        assert again.headers["ETag"] == first.headers["ETag"]
    assert len(builds) == 1


def test_different_filters_are_different_documents(
    client: FlaskClient, world: World, builds: list[int]
) -> None:
    # Each differs from the others in one filter: none may be answered from another's build.
    queries = [
        "",
        "country=DE",
        "city=Berlin",
        "kind=vigil",
        "q=rally",
        "from=2026-12-06",
        "to=2026-12-06",
        "near=Berlin",
        "near=Berlin&radius_km=300",
        "near=Hamburg",
        "bbox=13,52,14,53",
        "bbox=-180,-90,180,90",
        "bbox=170,-30,-165,0",
    ]
    documents = {
        query: json.loads(client.get(f"/events.geojson?{query}").data) for query in queries
    }
    assert len(builds) == len(queries)
    bodies = [json.dumps(document, sort_keys=True) for document in documents.values()]
    # Distinct filters here give distinct results, except the whole-world box and no box.
    assert len(set(bodies)) == len(queries) - 1
