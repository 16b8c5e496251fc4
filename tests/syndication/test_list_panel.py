"""The list page's feeds and snippets for other sites (app.syndication.panels)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Event
from tests.factories import berlin_embassy, make_event, toronto

HOSTILE = "<img src=x onerror=alert(1)></textarea><script>alert(2)</script>"


@pytest.fixture
def event(app: Any) -> Event:
    return make_event(berlin_embassy(), title="Vigil at the embassy")


def _textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match is not None, name
    return html.unescape(match.group(1))


def test_feeds_of_the_current_filters(client: FlaskClient, event: Event) -> None:
    page = client.get("/events?country=DE&q=vigil&page=1").get_data(as_text=True)

    # Feeds take the place filters only, as /calendar.ics does.
    for kind, path in (("rss+xml", "events.rss"), ("atom+xml", "events.atom")):
        assert re.search(
            rf'<link rel="alternate" type="application/{re.escape(kind)}" '
            rf'href="http://localhost/{re.escape(path)}\?country=DE"',
            page,
        ), kind
        assert f'href="http://localhost/{path}?country=DE"' in page
    assert client.get("/events.rss?country=DE").status_code == 200


def test_iframe_snippets_carry_the_list_filters(client: FlaskClient, event: Event) -> None:
    page = client.get("/events?country=DE&q=vigil&page=2").get_data(as_text=True)

    snippet = _textarea(page, "embed-list-snippet")
    assert snippet.startswith('<iframe src="http://localhost/embed/events?q=vigil&amp;country=DE"')
    assert "<script" not in snippet
    assert 'href="http://localhost/share?q=vigil&amp;country=DE"' in page

    more = client.get("/share?country=DE&q=vigil").get_data(as_text=True)
    assert _textarea(more, "embed-list-snippet") == snippet
    map_snippet = _textarea(more, "embed-map-snippet")
    assert map_snippet.startswith('<iframe src="http://localhost/embed/map?q=vigil&amp;country=DE"')


def test_plain_list_is_script_free_html_of_the_dates(client: FlaskClient, event: Event) -> None:
    make_event(toronto(), title="Toronto rally")
    make_event(event.venue, title=HOSTILE)
    page = client.get("/share?country=DE").get_data(as_text=True)

    snippet = _textarea(page, "plain-list-snippet")
    assert snippet.startswith("<ul>")
    assert f'<a href="http://localhost/events/{event.slug}">Vigil at the embassy</a>' in snippet
    assert "Toronto rally" not in snippet
    assert "<script" not in snippet
    assert "<img" not in snippet
    assert "&lt;img src=x" in snippet  # the hostile title, as text in the snippet
    assert '<a href="http://localhost/events?country=DE">' in snippet
    # Nothing of the snippet leaks into the page as markup.
    assert "<script>alert(2)" not in page


def test_share_page_rejects_bad_filters_readably(client: FlaskClient, event: Event) -> None:
    response = client.get("/share?country=XYZ")
    assert response.status_code == 400
    assert "Some filters are not valid" in response.get_data(as_text=True)
