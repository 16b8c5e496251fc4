"""The "Subscribe" panel on /events and "Add to calendar" on /events/<slug>.

The links carry the list's feed filters and lead to working feeds; links to
Google and Outlook are plain <a> links the visitor chooses to follow, so the
pages still load nothing from other hosts (design/security.md T37).
"""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from app.events.services import cancel_event
from app.extensions import db
from app.models import Repeat
from tests.conftest import login
from tests.factories import PASSWORD, berlin_embassy, make_event, make_user, toronto
from tests.feeds.parsing import vevents

BASE = "https://vigil.example"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"BASE_URL": BASE}


# Attributes whose URL the browser fetches (or may fetch) by itself.
_FETCHED = {"src", "srcset", "poster", "data", "action", "formaction", "background", "manifest"}


class _Links(HTMLParser):
    """Every URL-valued attribute of a page, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (name in _FETCHED or name == "href"):
                self.urls.append((tag, name, value))


def _urls(html: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def _outside(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) and parts.netloc != urlsplit(BASE).netloc


def _assert_only_links_leave_the_site(html: str, expected: set[str]) -> None:
    """Outside URLs appear only as <a href>, and exactly the ``expected`` ones."""
    outside = [(tag, name, url) for tag, name, url in _urls(html) if _outside(url)]
    assert all((tag, name) == ("a", "href") for tag, name, _url in outside), outside
    assert {url for _tag, _name, url in outside} == expected
    # No inline styles or scripts that could fetch (CSP forbids them anyway).
    assert "url(" not in html
    assert "@import" not in html


def _a_href(html: str, start: str) -> list[str]:
    return [url for tag, name, url in _urls(html) if tag == "a" and url.startswith(start)]


def test_subscribe_panel_carries_the_feed_filters(client: FlaskClient) -> None:
    place = berlin_embassy()
    in_berlin = make_event(place, title="Berlin vigil", kind="vigil")
    make_event(place, title="Berlin rally", kind="rally")
    make_event(toronto(), title="Toronto vigil", kind="vigil")

    page = client.get(
        "/events?country=DE&city=Berlin&kind=vigil&q=vigil&from=2026-12-01&page=1",
        base_url=BASE,
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    feed = "https://vigil.example/calendar.ics?country=DE&city=Berlin&kind=vigil"
    webcal = "webcal://vigil.example/calendar.ics?country=DE&city=Berlin&kind=vigil"
    assert _a_href(html, "webcal:") == [webcal]
    # The https address to copy (Google and Outlook on the web want https).
    assert f'value="{feed.replace("&", "&amp;")}"' in html
    [google] = _a_href(html, "https://calendar.google.com/")
    query = parse_qs(urlsplit(google).query)
    assert list(query) == ["cid"]
    assert query["cid"][0] in (webcal, feed)
    _assert_only_links_leave_the_site(html, {google})

    # The links lead to the filtered feed: the list's filters, not the search or dates.
    target = urlsplit(feed)
    body = client.get(f"{target.path}?{target.query}", base_url=BASE).data
    assert set(vevents(body)) == {in_berlin.uid}


def test_subscribe_panel_without_filters_offers_the_whole_feed(client: FlaskClient) -> None:
    make_event(berlin_embassy())
    html = client.get("/events", base_url=BASE).get_data(as_text=True)
    assert _a_href(html, "webcal:") == ["webcal://vigil.example/calendar.ics"]
    assert 'value="https://vigil.example/calendar.ics"' in html


def test_subscribe_panel_escapes_filter_values(client: FlaskClient) -> None:
    html = client.get(
        "/events?city=S%C3%A3o%20Paulo%22%3E%3Cb%3Ex&country=br", base_url=BASE
    ).get_data(as_text=True)
    assert "<b>x" not in html
    [webcal] = _a_href(html, "webcal:")
    assert parse_qs(urlsplit(webcal).query) == {
        "country": ["br"],
        "city": ['São Paulo"><b>x'],
    }


def test_event_page_offers_add_to_calendar_links(client: FlaskClient) -> None:
    # A weekly series that started in the past: the links are for the next date.
    event = make_event(
        berlin_embassy(),
        title="Thursday vigil, Berlin",
        starts_local=datetime(2026, 11, 19, 18, 0),  # noqa: DTZ001
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 1, 28),
    )
    page = client.get(f"/events/{event.slug}", base_url=BASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Add to calendar" in html

    [ics] = _a_href(html, f"/events/{event.slug}.ics")
    download = client.get(ics, base_url=BASE)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert set(vevents(download.data)) == {event.uid}

    [google] = _a_href(html, "https://calendar.google.com/calendar/render?")
    query = parse_qs(urlsplit(google).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Thursday vigil, Berlin"]
    # Next Thursday after 2026-11-25 12:00Z: 11-26 18:00 CET = 17:00Z, for one two-hour slot.
    assert query["dates"] == ["20261126T170000Z/20261126T190000Z"]
    assert query["ctz"] == ["Europe/Berlin"]
    assert query["details"] == [f"https://vigil.example/events/{event.slug}"]
    assert query["location"][0].startswith("Embassy of Iran, Berlin, ")

    [outlook] = _a_href(html, "https://outlook.live.com/")
    query = parse_qs(urlsplit(outlook).query)
    assert query["subject"] == ["Thursday vigil, Berlin"]
    assert query["startdt"] == ["2026-11-26T17:00:00Z"]
    assert query["enddt"] == ["2026-11-26T19:00:00Z"]

    # And the venue's position for the visitor's own maps app (a geo: URI loads nothing).
    geo = "geo:52.4609,13.2998?q=52.4609,13.2998"
    _assert_only_links_leave_the_site(html, {google, outlook, geo})


def test_cancelled_event_page_keeps_its_download(client: FlaskClient) -> None:
    event = make_event(berlin_embassy(), title="Rally")
    cancel_event(event, reason="", editor=event.organizer)
    db.session.commit()
    html = client.get(f"/events/{event.slug}", base_url=BASE).get_data(as_text=True)
    [ics] = _a_href(html, f"/events/{event.slug}.ics")
    body = client.get(ics, base_url=BASE).data
    assert str(vevents(body)[event.uid]["STATUS"]) == "CANCELLED"


# Signs in through the test client's own host: the site is at http://localhost here.
@pytest.mark.parametrize("app_overrides", [{}])
def test_draft_preview_has_no_calendar_links(client: FlaskClient) -> None:
    organizer = make_user()
    draft = make_event(berlin_embassy(), organizer=organizer, title="Draft vigil", publish=False)
    assert login(client, organizer.email, PASSWORD).status_code == 303
    page = client.get(f"/events/{draft.slug}")
    assert page.status_code == 200  # the organizer's preview
    html = page.get_data(as_text=True)
    assert "Draft vigil" in html
    assert ".ics" not in html  # the download would be a 404
    assert not _a_href(html, "https://calendar.google.com/")
    assert not _a_href(html, "https://outlook.live.com/")
