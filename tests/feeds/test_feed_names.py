"""A subscribed feed is named after its filters, in the calendar and on the list page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import berlin_embassy, make_event, toronto
from tests.feeds.parsing import get_feed, parse


def _text(value: Any) -> str:
    """A calendar property as text: icalendar 7 reads NAME and X-WR-CALNAME as unknown
    values and leaves RFC 5545's escapes in them."""
    raw = value.to_ical().decode()
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


@pytest.fixture
def events() -> None:
    make_event(berlin_embassy(), title="Vigil in Berlin")
    make_event(toronto(), title="Vigil in Toronto")


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("", "Vigil: rallies and vigils for Iran's political prisoners"),
        ("country=DE", "Vigil — events in Germany"),
        ("country=de&kind=vigil", "Vigil — vigils in Germany"),
        ("kind=rally", "Vigil — rallies"),
        ("near=Toronto&kind=vigil", "Vigil — vigils within 50 km of Toronto"),
        ("near=NYC&radius_km=80", "Vigil — events within 100 km of New York City"),
        ("city=Berlin&country=DE", "Vigil — events in Berlin, Germany"),
    ],
)
def test_the_calendar_is_named_after_its_filters(
    client: FlaskClient, events: None, query: str, name: str
) -> None:
    calendar = parse(get_feed(client, f"/calendar.ics?{query}"))
    assert _text(calendar["X-WR-CALNAME"]) == name
    assert _text(calendar["NAME"]) == name
    # The list with the same filters offers the feed under that name.
    page = client.get(f"/events?{query}").get_data(as_text=True)
    assert f"Subscribe to “<bdi>{name}</bdi>” in your calendar" in page.replace("&#39;", "'")


def test_the_name_is_in_the_page_language(client: FlaskClient, events: None) -> None:
    client.set_cookie("lang", "de")
    calendar = parse(get_feed(client, "/calendar.ics?country=DE"))
    assert "Deutschland" in _text(calendar["X-WR-CALNAME"])
    client.set_cookie("lang", "fa")
    calendar = parse(get_feed(client, "/calendar.ics?country=DE"))
    assert "آلمان" in _text(calendar["X-WR-CALNAME"])
