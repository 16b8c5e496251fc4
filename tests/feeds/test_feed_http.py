"""HTTP behaviour of /calendar.ics and /events/<slug>.ics (design/ical.md §2.6, decision 11).

Calendar clients poll these URLs for years: the answers must be exact (content
type, strong ETag, 304s, no gzip, 405 for WebDAV probes), bad filters must be a
readable 400, and a feed must be rendered once per data change, filter set and
language, with the 304 path touching neither the database nor the builder.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.http import http_date, parse_date

import app.feeds.documents
import app.feeds.ical
from app import clock
from app.events.services import cancel_event, update_event
from app.extensions import db
from app.models import Event
from tests.conftest import DEFAULT_NOW, login, sql_statements
from tests.factories import PASSWORD, berlin_embassy, event_input, make_event, make_user, toronto
from tests.feeds.parsing import get_feed, parse, vevents

CONTENT_TYPE = "text/calendar; charset=utf-8"


@pytest.fixture
def event(app: Any) -> Event:
    return make_event(berlin_embassy(), title="Vigil at the embassy")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of build_calendar (where app.feeds.documents calls it, and at its source)."""
    calls: list[int] = []
    original = app.feeds.ical.build_calendar

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(app.feeds.documents, "build_calendar", counting)
    monkeypatch.setattr(app.feeds.ical, "build_calendar", counting)
    return calls


def _urls(event: Event) -> list[str]:
    return ["/calendar.ics", "/calendar.ics?country=DE&kind=vigil", f"/events/{event.slug}.ics"]


# --- headers -------------------------------------------------------------------------------


def test_headers_of_the_feed(client: FlaskClient, event: Event) -> None:
    response = client.get("/calendar.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.data.startswith(b"BEGIN:VCALENDAR\r\n")
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag), "a strong ETag, not W/"
    assert etag.strip('"') == hashlib.sha256(response.data).hexdigest()
    assert response.headers["Last-Modified"] == http_date(event.last_modified_at)
    assert response.headers["Content-Disposition"] == 'inline; filename="vigil.ics"'
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))  # type: ignore[union-attr]
    # At least a minute (proxies absorb polling), at most the advertised refresh interval.
    assert 60 <= max_age <= 6 * 3600
    assert "Content-Encoding" not in response.headers
    # The body depends on the language: shared caches must keep languages apart.
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_headers_of_a_single_event_download(client: FlaskClient, event: Event) -> None:
    response = client.get(f"/events/{event.slug}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert re.fullmatch(r'"[0-9a-f]{64}"', response.headers["ETag"])
    assert response.headers["Last-Modified"] == http_date(event.last_modified_at)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    assert "max-age=" in response.headers["Cache-Control"]
    assert "Content-Encoding" not in response.headers
    assert list(vevents(response.data)) == [event.uid]


def test_no_gzip_even_when_asked(client: FlaskClient, event: Event) -> None:
    for url in _urls(event):
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert response.data.startswith(b"BEGIN:VCALENDAR")


def test_accept_header_is_ignored(client: FlaskClient, event: Event) -> None:
    # Thunderbird 91+ prefers XML (Mobilizon #1019): never 406, always the calendar.
    for url in _urls(event):
        plain = client.get(url).data
        for accept in ("application/xml", "text/xml, application/xml;q=0.9", "text/html"):
            response = client.get(url, headers={"Accept": accept})
            assert response.status_code == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE
            assert response.data == plain


def test_head_gives_the_headers_without_body(client: FlaskClient, event: Event) -> None:
    for url in _urls(event):
        got = client.get(url)
        head = client.head(url)
        assert head.status_code == 200
        assert head.data == b""
        for name in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
            assert head.headers[name] == got.headers[name]
        assert head.headers["Content-Length"] == str(len(got.data))


@pytest.mark.parametrize(
    "method", ["PROPFIND", "REPORT", "MKCALENDAR", "POST", "PUT", "DELETE", "PATCH"]
)
def test_other_methods_get_405(client: FlaskClient, event: Event, method: str) -> None:
    # Thunderbird probes with PROPFIND; a 404/500 or an HTML page confuses it (zammad #3962).
    for url in _urls(event)[::2]:
        response = client.open(url, method=method)
        assert response.status_code == 405, (url, method)
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
        assert response.content_type == "text/plain; charset=utf-8"
        assert b"<html" not in response.data.lower()


def test_options_is_answered(client: FlaskClient, event: Event) -> None:
    response = client.options("/calendar.ics")
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


# --- conditional requests --------------------------------------------------------------------


def test_if_none_match_gives_304(client: FlaskClient, event: Event) -> None:
    for url in _urls(event):
        first = client.get(url)
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        assert again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.data == first.data
        # A list of ETags matches when one of them does.
        listed = client.get(url, headers={"If-None-Match": f'"x", {first.headers["ETag"]}'})
        assert listed.status_code == 304


def test_if_modified_since_gives_304(client: FlaskClient, event: Event) -> None:
    for url in _urls(event):
        first = client.get(url)
        since = first.headers["Last-Modified"]
        assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
        later = http_date(DEFAULT_NOW + timedelta(days=1))
        assert client.get(url, headers={"If-Modified-Since": later}).status_code == 304
        earlier = http_date(event.last_modified_at - timedelta(seconds=1))
        assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_changed_data_is_not_answered_with_304(client: FlaskClient, event: Event) -> None:
    first = client.get("/calendar.ics")
    clock.freeze(DEFAULT_NOW + timedelta(hours=1))
    update_event(event, data=event_input(event, title="Vigil, new title"), editor=event.organizer)
    db.session.commit()

    by_etag = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(
        "/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert by_etag.status_code == by_date.status_code == 200
    assert b"Vigil\\, new title" in by_etag.data
    assert by_etag.headers["ETag"] != first.headers["ETag"]


def test_removed_event_is_not_answered_with_304_by_date(client: FlaskClient) -> None:
    """Last-Modified must move on when an event leaves the feed.

    The newest LAST-MODIFIED *inside* the feed goes back in time when the most
    recently changed event is unpublished or drops out, so a client that only
    sends If-Modified-Since would be told "not modified" and keep the event.
    """
    place = berlin_embassy()
    make_event(place, title="Stays")
    clock.freeze(DEFAULT_NOW + timedelta(minutes=30))
    leaving = make_event(place, title="Leaves")
    first = client.get("/calendar.ics")
    assert b"Leaves" in first.data

    clock.freeze(DEFAULT_NOW + timedelta(hours=1))
    update_event(leaving, data=event_input(leaving, publish=False), editor=leaving.organizer)
    db.session.commit()

    again = client.get(
        "/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert again.status_code == 200
    assert b"Leaves" not in again.data
    assert parse_date(again.headers["Last-Modified"]) > parse_date(first.headers["Last-Modified"])
    # And the new state is itself answered with 304 by date.
    since = again.headers["Last-Modified"]
    assert client.get("/calendar.ics", headers={"If-Modified-Since": since}).status_code == 304


def test_last_modified_is_not_older_than_the_calendar(client: FlaskClient, event: Event) -> None:
    clock.freeze(DEFAULT_NOW + timedelta(hours=2))
    cancel_event(event, reason="", editor=event.organizer)
    db.session.commit()
    response = client.get("/calendar.ics")
    inside = parse(response.data).decoded("LAST-MODIFIED")
    assert inside == DEFAULT_NOW + timedelta(hours=2)
    assert parse_date(response.headers["Last-Modified"]) >= inside


# --- rendering once ---------------------------------------------------------------------------


def test_feed_is_rendered_once_per_data_change_and_filter_set(
    client: FlaskClient, event: Event, builds: list[int]
) -> None:
    first = get_feed(client, "/calendar.ics")
    assert get_feed(client, "/calendar.ics") == first
    assert len(builds) == 1
    # The same filters spelled differently are the same feed.
    get_feed(client, "/calendar.ics?country=DE&kind=vigil")
    get_feed(client, "/calendar.ics?kind=vigil&country=de")
    get_feed(client, "/calendar.ics?kind=vigil&country=de&city=")
    assert len(builds) == 2
    get_feed(client, "/calendar.ics?country=CA")
    assert len(builds) == 3
    # Another language is another rendering.
    get_feed(client, "/calendar.ics", headers={"Accept-Language": "fa"})
    assert len(builds) == 4
    # A data change renders again, once.
    update_event(event, data=event_input(event, title="Renamed"), editor=event.organizer)
    db.session.commit()
    assert get_feed(client, "/calendar.ics") != first
    get_feed(client, "/calendar.ics")
    assert len(builds) == 5


def test_conditional_and_repeated_gets_run_no_sql_and_no_builder(
    client: FlaskClient, event: Event, builds: list[int]
) -> None:
    for url in _urls(event):
        first = client.get(url)
        db.session.commit()
        before = len(builds)
        with sql_statements() as statements:
            conditional = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
            by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
            fresh = client.get(url)
            head = client.head(url)
        assert (conditional.status_code, by_date.status_code) == (304, 304)
        assert fresh.status_code == head.status_code == 200
        assert fresh.data == first.data
        assert statements == [], url
        assert len(builds) == before, url


def test_first_build_runs_few_queries_whatever_the_number_of_events(client: FlaskClient) -> None:
    place = berlin_embassy()
    make_event(place, title="One")
    db.session.commit()
    with sql_statements() as few:
        get_feed(client, "/calendar.ics")
    for n in range(5):
        make_event(place, title=f"More {n}")
    db.session.commit()
    with sql_statements() as many:
        get_feed(client, "/calendar.ics")
    assert len(many) == len(few) <= 3


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "country=XYZ",
        "country=ZZ",
        "kind=party",
        "radius_km=0",
        "radius_km=-5",
        "radius_km=abc",
        "radius_km=99999",
        "near=Toronto&radius_km=0",
        "near=nowhere-city-xyz",
        "near=91,0",
        "near=0,181",
        "near=NaN,5",
        "near=5,inf",
        "near=1e3,5",
        "city=" + "x" * 101,
        "city=Ber%00lin",
        "near=Ber%00lin",
        "city=%E2%80%AEnilreB",  # a bidi override
    ],
)
def test_bad_filters_are_a_readable_400(client: FlaskClient, event: Event, query: str) -> None:
    response = client.get(f"/calendar.ics?{query}")
    assert response.status_code == 400
    assert response.content_type == "text/plain; charset=utf-8"
    assert "Some filters are not valid" in response.get_data(as_text=True)
    assert b"BEGIN:VCALENDAR" not in response.data


def test_good_filters_are_accepted(client: FlaskClient, event: Event) -> None:
    for query in (
        "country=de",
        "city=berlin",
        "kind=vigil",
        "near=Berlin",
        "near=52.52,13.40&radius_km=2000",
        "near=%20-33.87,151.2",
        "country=&city=&kind=&near=",
        "radius_km=50",
        "unknown=ignored",
    ):
        assert client.get(f"/calendar.ics?{query}").status_code == 200, query


def test_source_names_the_canonical_filtered_feed(client: FlaskClient, event: Event) -> None:
    body = get_feed(client, "/calendar.ics?kind=vigil&country=de&near=Berlin&radius_km=30")
    calendar = parse(body)
    # A radius is widened to the next step (app.events.filters).
    assert str(calendar["SOURCE"]) == (
        "http://localhost/calendar.ics?country=DE&kind=vigil&near=Berlin&radius_km=50"
    )
    assert str(calendar["URL"]).startswith("http://localhost/events?country=DE&kind=vigil")
    # The calendar UID is stable per feed and differs between feeds.
    other = parse(get_feed(client, "/calendar.ics?country=DE"))
    assert str(calendar["UID"]) != str(other["UID"])
    assert parse(get_feed(client, "/calendar.ics?country=de"))["UID"] == other["UID"]


# --- not found ---------------------------------------------------------------------------------


def test_unknown_event_is_404(client: FlaskClient, event: Event) -> None:
    for slug in ("no-such-event-0123456789abcdef", "x" * 130, event.slug.upper(), "%00"):
        response = client.get(f"/events/{slug}.ics")
        assert response.status_code == 404, slug
        assert response.content_type == "text/plain; charset=utf-8"


def test_draft_is_404_even_for_its_organizer(client: FlaskClient) -> None:
    organizer = make_user()
    draft = make_event(berlin_embassy(), organizer=organizer, title="Secret draft", publish=False)
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404
    assert login(client, organizer.email, PASSWORD).status_code == 303
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404
    assert b"Secret draft" not in client.get("/calendar.ics").data


def test_unpublished_event_download_becomes_404(client: FlaskClient, event: Event) -> None:
    url = f"/events/{event.slug}.ics"
    assert client.get(url).status_code == 200
    update_event(event, data=event_input(event, publish=False), editor=event.organizer)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_cancelled_event_download_still_works(client: FlaskClient, event: Event) -> None:
    cancel_event(event, reason="Permit refused", editor=event.organizer)
    db.session.commit()
    body = get_feed(client, f"/events/{event.slug}.ics")
    assert str(vevents(body)[event.uid]["STATUS"]) == "CANCELLED"


def test_a_feed_in_another_country_is_empty_but_valid(client: FlaskClient, event: Event) -> None:
    toronto()
    body = get_feed(client, "/calendar.ics?country=CA")
    calendar = parse(body)
    assert calendar.walk("VEVENT") == []
    # RFC 5545 wants one component; the builder adds a zone.
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert "LAST-MODIFIED" not in calendar


def test_date_header_is_not_used_for_the_body(client: FlaskClient, event: Event) -> None:
    # Nothing in the body may depend on the request time (decision 2: stable bytes).
    first = get_feed(client, "/calendar.ics")
    clock.freeze(datetime(2026, 11, 25, 23, 59, tzinfo=UTC))
    db.session.commit()
    from app.httpcache import new_generation

    new_generation()
    assert get_feed(client, "/calendar.ics") == first
