"""/events.rss and /events.atom: the list's feeds beside /calendar.ics.

Parsed with feedparser as a reader would; the HTTP rules (ETag, 304, HEAD, the build
limit) are those of the calendar feed (app.httpcache, tests/feeds/test_feed_http.py).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import feedparser
import pytest
from flask.testing import FlaskClient

from app.events.services import cancel_event
from app.extensions import db
from app.models import Event
from app.syndication import queries
from tests.conftest import DEFAULT_NOW, sql_statements
from tests.factories import berlin_embassy, make_event, make_user, toronto

FEEDS = ("/events.rss", "/events.atom")
TYPES = {"/events.rss": "application/rss+xml", "/events.atom": "application/atom+xml"}
BASE = "http://localhost"
HOSTILE = "<img src=x onerror=alert(1)> & </title><script>alert(2)</script>"


@pytest.fixture
def event(app: Any) -> Event:
    return make_event(berlin_embassy(), title="Vigil at the embassy", organized_by="Free Them Now")


def _parse(client: FlaskClient, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("url", FEEDS)
def test_entries_hold_the_public_upcoming_events(
    client: FlaskClient, event: Event, url: str
) -> None:
    make_event(event.venue, title="A draft", publish=False)
    make_event(
        event.venue,
        title="Over already",
        starts_local=(DEFAULT_NOW - timedelta(days=3)).replace(tzinfo=None),
    )
    parsed = _parse(client, url)

    assert parsed.version == ("rss20" if url.endswith("rss") else "atom10")
    assert [entry.title for entry in parsed.entries] == ["Vigil at the embassy"]
    entry = parsed.entries[0]
    assert entry.link == f"{BASE}/events/{event.slug}"
    assert entry.id == f"urn:uuid:{event.uid}"
    # RSS has no date of change: its pubDate is the item's last change (app.syndication).
    changed = entry.updated_parsed if url.endswith("atom") else entry.published_parsed
    assert changed[:6] == event.last_modified_at.timetuple()[:6]
    # Venue time with its zone, the place, the public organizer name: never the account's.
    assert "Saturday, December 5, 2026, 15:00–17:00 CET (Europe/Berlin)" in entry.summary
    assert "Berlin" in entry.summary
    assert "Organized by Free Them Now" in entry.summary
    assert event.organizer.display_name not in response_text(client, url)


def response_text(client: FlaskClient, url: str) -> str:
    return client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("url", FEEDS)
def test_links_are_absolute_on_the_base_url(client: FlaskClient, event: Event, url: str) -> None:
    parsed = _parse(client, f"{url}?country=de&kind=vigil", base_url="http://localhost")

    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["alternate"] == f"{BASE}/events?country=DE&kind=vigil"
    assert links["self"] == f"{BASE}{url}?country=DE&kind=vigil"
    for entry in parsed.entries:
        assert entry.link.startswith(f"{BASE}/events/")


@pytest.mark.parametrize("app_overrides", [{"BASE_URL": "https://vigil.example.org"}])
def test_links_follow_the_configured_base_url_not_the_request(
    client: FlaskClient, event: Event
) -> None:
    body = client.get("/events.atom", base_url="https://vigil.example.org").get_data(as_text=True)
    parsed = feedparser.parse(body)
    assert parsed.entries[0].link == f"https://vigil.example.org/events/{event.slug}"
    assert "http://localhost" not in body


@pytest.mark.parametrize("url", FEEDS)
def test_cancelled_event_is_an_updated_entry_marked_cancelled(
    client: FlaskClient, event: Event, url: str
) -> None:
    before = event.last_modified_at
    cancel_event(event, reason="Police banned the gathering.", editor=event.organizer)
    db.session.commit()
    parsed = _parse(client, url)

    entry = parsed.entries[0]
    assert entry.title == "CANCELLED: Vigil at the embassy"
    assert entry.summary.startswith("Cancelled: Police banned the gathering.")
    assert entry.id == f"urn:uuid:{event.uid}", "the same entry, updated"
    changed = entry.updated_parsed if url.endswith("atom") else entry.published_parsed
    assert changed[:6] >= before.timetuple()[:6]


@pytest.mark.parametrize("url", FEEDS)
def test_feed_in_the_page_language(client: FlaskClient, event: Event, url: str) -> None:
    cancel_event(event, reason="", editor=event.organizer)
    db.session.commit()
    parsed = _parse(client, url, headers={"Accept-Language": "fa"})

    assert parsed.feed.title.startswith("ویجیل")
    assert parsed.entries[0].title == "لغو شد: Vigil at the embassy"
    if url.endswith("rss"):
        assert parsed.feed.language == "fa"
    else:
        body = client.get(url, headers={"Accept-Language": "fa"}).data
        assert re.search(rb'<feed [^>]*xml:lang="fa"', body)


@pytest.mark.parametrize("url", FEEDS)
def test_filters_apply(client: FlaskClient, event: Event, url: str) -> None:
    make_event(toronto(), title="Toronto rally")

    assert [e.title for e in _parse(client, f"{url}?country=CA").entries] == ["Toronto rally"]
    assert [e.title for e in _parse(client, f"{url}?near=Toronto&radius_km=50").entries] == [
        "Toronto rally"
    ]
    assert len(_parse(client, url).entries) == 2
    assert _parse(client, f"{url}?city=Paris").entries == []


@pytest.mark.parametrize("url", FEEDS)
def test_hostile_titles_stay_text(client: FlaskClient, url: str) -> None:
    make_event(berlin_embassy(), title=HOSTILE, organized_by="<b>Group</b>")
    body = client.get(url).data

    assert b"<img" not in body
    assert b"<script" not in body
    assert b"<b>" not in body
    root = ET.fromstring(body)  # noqa: S314  (our own feed, made by the test)
    if url.endswith("rss"):
        item = root.find("channel/item")
        assert item is not None
        assert item.findtext("title") == HOSTILE
        # A reader takes an RSS description as HTML: the text is escaped once more.
        description = item.findtext("description") or ""
        assert "Organized by &lt;b&gt;Group&lt;/b&gt;" in description
        assert "<b>" not in description
    else:
        parsed = feedparser.parse(body)
        assert parsed.entries[0].title == HOSTILE
        assert parsed.entries[0].summary_detail.type == "text/plain"


# --- HTTP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FEEDS)
def test_headers(client: FlaskClient, event: Event, url: str) -> None:
    response = client.get(url)

    assert response.headers["Content-Type"] == f"{TYPES[url]}; charset=utf-8"
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert etag.strip('"') == hashlib.sha256(response.data).hexdigest()
    assert "Last-Modified" in response.headers
    assert "public" in response.headers["Cache-Control"]
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", FEEDS)
def test_conditional_requests_and_head(client: FlaskClient, event: Event, url: str) -> None:
    first = client.get(url)
    etag = first.headers["ETag"]

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    since = first.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == etag
    assert int(head.headers["Content-Length"]) == len(first.data)


@pytest.mark.parametrize("url", FEEDS)
def test_changed_data_changes_the_etag(client: FlaskClient, event: Event, url: str) -> None:
    etag = client.get(url).headers["ETag"]
    make_event(event.venue, title="Another vigil")

    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert b"Another vigil" in response.data


@pytest.mark.parametrize("app_overrides", [{"FEED_BUILD_RATE_LIMIT": "3 per minute"}])
def test_rate_limit_counts_only_builds(client: FlaskClient, event: Event) -> None:
    for _ in range(10):  # a reader polling the same feed is answered from the cache
        assert client.get("/events.rss?country=DE").status_code == 200
    assert client.get("/events.atom?country=DE").status_code == 200
    assert client.get("/events.rss?city=Berlin").status_code == 200
    # The fourth build in the minute (RSS and Atom together) is refused.
    response = client.get("/events.atom?city=Berlin")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    # What is cached is still served.
    assert client.get("/events.rss?country=DE").status_code == 200


@pytest.mark.parametrize("url", FEEDS)
@pytest.mark.parametrize(
    "query",
    [
        "country=XYZ",
        "kind=party",
        "radius_km=0",
        "radius_km=abc",
        "near=nowhere-city-xyz",
        "near=NaN,5",
        "city=Ber%00lin",
        "city=%E2%80%AEnilreB",
        "city=" + "x" * 101,
    ],
)
def test_bad_filters_are_a_readable_400(
    client: FlaskClient, event: Event, url: str, query: str
) -> None:
    response = client.get(f"{url}?{query}")

    assert response.status_code == 400
    assert "Some filters are not valid" in response.get_data(as_text=True)


def test_unknown_arguments_are_ignored(client: FlaskClient, event: Event) -> None:
    response = client.get("/events.rss?junk=1&country=")
    assert response.status_code == 200
    assert b"Vigil at the embassy" in response.data


def test_organizer_account_name_never_appears(client: FlaskClient) -> None:
    organizer = make_user(display_name="Private Account Name")
    make_event(berlin_embassy(), organizer=organizer)
    for url in FEEDS:
        body = client.get(url).get_data(as_text=True)
        assert "Private Account Name" not in body
        assert "Organized by Vigil" in body  # the site's name when none was chosen


@pytest.mark.parametrize("url", FEEDS)
def test_characters_xml_cannot_hold_are_left_out(
    client: FlaskClient, event: Event, url: str
) -> None:
    # Forms refuse control characters (app.text); data written by other means may hold them.
    db.session.execute(
        Event.__table__.update().where(Event.id == event.id).values(title="Bad\x0bTitle\x1f")
    )
    db.session.commit()
    response = client.get(url)

    assert response.status_code == 200
    assert [entry.title for entry in feedparser.parse(response.data).entries] == ["BadTitle"]


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_holds_the_soonest_events_up_to_its_limit(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(queries, "FEED_ENTRIES", 2)
    venue = berlin_embassy()
    for day in (9, 3, 5):
        start = (DEFAULT_NOW + timedelta(days=day)).replace(tzinfo=None, hour=18)
        make_event(venue, title=f"Vigil in {day} days", starts_local=start)
    near = _parse(client, f"{url}?near=52.52,13.40&radius_km=50")
    with sql_statements() as statements:
        soonest = _parse(client, url)
    assert [entry.title for entry in soonest.entries] == ["Vigil in 3 days", "Vigil in 5 days"]
    assert any("LIMIT" in sql for sql in statements)  # never loads every event
    assert len(near.entries) == 2
