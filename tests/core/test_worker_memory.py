"""Each worker answers repeated requests from its own memory, never out of date.

A page or a feed's validators asked for again cost no round trip to the shared
cache (app.pagecache, app.httpcache); a change still shows at once, and a page is
kept in memory only a few seconds (what changes without a commit: dates that pass).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from app import httpcache, pagecache
from app.extensions import cache
from tests.factories import make_event


@contextmanager
def _cache_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The keys read from the shared cache while the block runs."""
    keys: list[str] = []
    read = cache.get

    def get(key: str) -> Any:
        keys.append(key)
        return read(key)

    with monkeypatch.context() as patch:
        patch.setattr(cache, "get", get)
        yield keys


def test_a_page_asked_for_again_is_answered_from_memory(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_event(title="Vigil in memory")
    visitor = app.test_client()
    first = visitor.get("/events")
    with _cache_reads(monkeypatch) as keys:
        again = visitor.get("/events")
    assert again.data == first.data
    assert not [key for key in keys if key.startswith("page:")]
    # A few seconds later the worker asks the shared cache again.
    later = httpcache.time.monotonic() + pagecache.PAGE_MEMORY_SECONDS + 1
    monkeypatch.setattr(httpcache.time, "monotonic", lambda: later)
    with _cache_reads(monkeypatch) as keys:
        assert visitor.get("/events").data == first.data
    assert [key for key in keys if key.startswith("page:")]


def test_a_change_is_not_hidden_by_the_memory(app: Flask) -> None:
    first = make_event()
    visitor = app.test_client()
    assert "Second vigil" not in visitor.get("/events").get_data(as_text=True)
    make_event(first.venue, title="Second vigil")
    assert "Second vigil" in visitor.get("/events").get_data(as_text=True)


def test_a_feed_polled_again_gets_its_304_without_the_shared_cache(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_event()
    calendar = app.test_client()
    etag = calendar.get("/calendar.ics").headers["ETag"]
    with _cache_reads(monkeypatch) as keys:
        polled = calendar.get("/calendar.ics", headers={"If-None-Match": etag})
    assert polled.status_code == 304
    assert keys == []
    make_event(first.venue, title="A new date")
    changed = calendar.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "A new date" in changed.get_data(as_text=True)
