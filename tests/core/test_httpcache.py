"""app.httpcache through the routes that use it: one set of HTTP caching rules for all.

Feeds (/calendar.ics, /events/<slug>.ics: dated, never gzip), the map's markers
(/events.geojson: gzip, this worker's recent documents), the city labels
(/map/places.json: a document held in memory) and a venue map's script answer
conditional requests, HEAD and encodings the same way (RFC 9110 §13).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.http import http_date

from app import httpcache
from app.extensions import cache, db
from app.models import Event
from tests.conftest import sql_statements
from tests.factories import make_event

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def event(app: Any) -> Event:
    return make_event(title="Vigil at the embassy")


def _urls(event: Event) -> list[tuple[str, dict[str, str]]]:
    """Every route of app.httpcache, with each encoding where it has several."""
    return [
        ("/calendar.ics", {}),
        ("/calendar.ics?country=DE", {}),
        (f"/events/{event.slug}.ics", {}),
        ("/events.geojson", GZIP),
        ("/events.geojson?kind=vigil", IDENTITY),
        ("/map/places.json", GZIP),
        ("/map/places.json", IDENTITY),
        (f"/events/{event.slug}/map.js", {}),
    ]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The values this test's requests read from the shared cache."""
    values: list[Any] = []
    original: Callable[[str], Any] = cache.get

    def reading(key: str) -> Any:
        value = original(key)
        values.append(value)
        return value

    monkeypatch.setattr(cache, "get", reading)
    return values


def _holds(value: Any, body: bytes) -> bool:
    document = httpcache.unpack_document(value)
    if document is not None:
        return _holds(document.body, body)
    if isinstance(value, bytes):
        return value == body or (value[:2] == b"\x1f\x8b" and gzip.decompress(value) == body)
    if isinstance(value, tuple | list):
        return any(_holds(item, body) for item in value)
    return False


# --- If-None-Match: weak comparison, answered from the alias ---------------------------------


def test_a_weak_if_none_match_is_a_304_without_sql_or_the_document(
    client: FlaskClient, event: Event, reads: list[Any]
) -> None:
    """RFC 9110 §13.1.2: W/"x" matches "x". Feeds compared strictly: a bug."""
    for url, encoding in _urls(event):
        first = client.get(url, headers=encoding)
        assert first.status_code == 200, url
        etag = first.headers["ETag"]
        db.session.commit()
        reads.clear()
        with sql_statements() as statements:
            weak = client.get(url, headers={**encoding, "If-None-Match": f"W/{etag}"})
            listed = client.get(url, headers={**encoding, "If-None-Match": f'W/"x", W/{etag}'})
        assert (weak.status_code, listed.status_code) == (304, 304), url
        assert weak.data == b""
        assert weak.headers["ETag"] == etag
        if url.endswith("/map.js"):
            continue  # validated each time: the event may have become a draft
        assert statements == [], url
        # The alias answers: the document itself is not even read from the cache.
        assert not [value for value in reads if _holds(value, first.data)], url


def test_if_none_match_takes_precedence_over_if_modified_since(
    client: FlaskClient, event: Event
) -> None:
    for url in ("/calendar.ics", f"/events/{event.slug}.ics"):
        first = client.get(url)
        since = first.headers["Last-Modified"]
        old = http_date(event.last_modified_at - timedelta(days=1))
        stale_tag = client.get(url, headers={"If-None-Match": '"old"', "If-Modified-Since": since})
        assert stale_tag.status_code == 200, url
        assert stale_tag.data == first.data
        current_tag = client.get(
            url, headers={"If-None-Match": first.headers["ETag"], "If-Modified-Since": old}
        )
        assert current_tag.status_code == 304, url


def test_if_modified_since_alone_needs_a_dated_document(client: FlaskClient, event: Event) -> None:
    later = http_date(event.last_modified_at + timedelta(days=30))
    assert client.get("/calendar.ics", headers={"If-Modified-Since": later}).status_code == 304
    # The markers have no Last-Modified: a date says nothing about them.
    response = client.get("/events.geojson", headers={"If-Modified-Since": later})
    assert response.status_code == 200
    assert "Last-Modified" not in response.headers


def test_if_match_compares_strongly(client: FlaskClient, event: Event) -> None:
    for url, encoding in _urls(event):
        first = client.get(url, headers=encoding)
        etag = first.headers["ETag"]
        for if_match, status in ((etag, 200), ("*", 200), ('"other"', 412), (f"W/{etag}", 412)):
            response = client.get(url, headers={**encoding, "If-Match": if_match})
            assert response.status_code == status, (url, if_match)
            if status == 200:
                assert response.data == first.data


# --- validators per encoding, HEAD, Vary -------------------------------------------------------


@pytest.mark.parametrize("url", ["/events.geojson", "/map/places.json"])
def test_each_encoding_has_its_own_strong_etag(client: FlaskClient, event: Event, url: str) -> None:
    plain = client.get(url, headers=IDENTITY)
    packed = client.get(url, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data
    assert plain.headers["ETag"] != packed.headers["ETag"]
    assert not plain.headers["ETag"].startswith("W/")
    assert not packed.headers["ETag"].startswith("W/")
    # A copy in one encoding is not confirmed to a client that gets the other.
    crossed = client.get(url, headers={**IDENTITY, "If-None-Match": packed.headers["ETag"]})
    assert crossed.status_code == 200
    assert crossed.data == plain.data
    crossed = client.get(url, headers={**GZIP, "If-None-Match": plain.headers["ETag"]})
    assert crossed.status_code == 200
    assert crossed.headers["Content-Encoding"] == "gzip"


def test_feeds_are_never_gzipped(client: FlaskClient, event: Event) -> None:
    for url in ("/calendar.ics", f"/events/{event.slug}.ics"):
        response = client.get(url, headers=GZIP)
        assert "Content-Encoding" not in response.headers
        assert response.data.startswith(b"BEGIN:VCALENDAR")
        assert "Accept-Encoding" not in response.vary


def test_head_gives_the_headers_of_get_without_body(client: FlaskClient, event: Event) -> None:
    for url, encoding in _urls(event):
        got = client.get(url, headers=encoding)
        head = client.head(url, headers=encoding)
        assert head.status_code == 200, url
        assert head.data == b""
        for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control", "Vary"):
            assert head.headers.get(name) == got.headers.get(name), (url, name)
        assert head.headers.get("Content-Encoding") == got.headers.get("Content-Encoding")
        assert head.headers.get("Last-Modified") == got.headers.get("Last-Modified")
        conditional = client.head(url, headers={**encoding, "If-None-Match": got.headers["ETag"]})
        assert conditional.status_code == 304, url


def test_vary_names_what_the_document_depends_on(client: FlaskClient, event: Event) -> None:
    for url, encoding in _urls(event):
        vary = set(client.get(url, headers=encoding).vary)
        gzip_kind = url.startswith(("/events.geojson", "/map/places.json"))
        assert ("Accept-Encoding" in vary) == gzip_kind, url
        # City labels and a venue map's script are the same in every language.
        in_language = not url.startswith("/map/") and not url.endswith("/map.js")
        assert ("Accept-Language" in vary) == in_language, url


# --- where documents come from ----------------------------------------------------------------


def test_a_worker_serves_its_recent_markers_from_memory(
    client: FlaskClient, event: Event, reads: list[Any]
) -> None:
    first = client.get("/events.geojson", headers=GZIP)
    reads.clear()
    again = client.get("/events.geojson", headers=GZIP)
    assert again.data == first.data
    assert not [value for value in reads if httpcache.unpack_document(value)]


def test_feeds_are_read_from_the_shared_cache(
    client: FlaskClient, event: Event, reads: list[Any]
) -> None:
    # A feed can be megabytes: workers keep none of them in memory.
    first = client.get("/calendar.ics")
    reads.clear()
    assert client.get("/calendar.ics").data == first.data
    assert [value for value in reads if httpcache.unpack_document(value)]


def test_a_data_change_is_a_new_document_under_every_alias(
    client: FlaskClient, event: Event
) -> None:
    urls = ["/calendar.ics", "/calendar.ics?country=de", "/events.geojson", "/events.geojson?"]
    before = {url: client.get(url, headers=IDENTITY) for url in urls}
    make_event(event.venue, title="Another vigil")
    for url in urls:
        etag = before[url].headers["ETag"]
        again = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
        assert again.status_code == 200, url
        assert b"Another vigil" in again.data, url
