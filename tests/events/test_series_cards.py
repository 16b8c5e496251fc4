"""A series is one card in every list: its rule and its next date, not a card per date."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.events import queries
from app.models import Repeat
from tests.conftest import sql_statements
from tests.factories import berlin_embassy, london_embassy, make_event, make_series

_CARD = re.compile(r'<li class="event-card[^"]*">\s*<h[23]><a href="/events/([^"]+)"')


def _slugs(body: str) -> list[str]:
    return _CARD.findall(body)


def _at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 12, day, hour, 0)  # noqa: DTZ001 - venue wall time


def test_a_weekly_series_is_one_card_with_its_rule_and_next_date(client: FlaskClient) -> None:
    berlin = berlin_embassy()
    # Thursdays 3 Dec 2026 to 7 Jan 2027, 18:00 in Berlin: six dates.
    series = make_series(
        berlin,
        title="Thursday vigil",
        starts_local=_at(3, 18),
        repeat_until_on=date(2027, 1, 7),
    )
    single = make_event(london_embassy(), title="One rally", starts_local=_at(10))
    body = client.get("/events").get_data(as_text=True)
    assert _slugs(body) == [series.slug, single.slug]
    assert "2 events found" in body
    assert '<span class="repeat">Every Thursday, 18:00 CET</span>' in body
    assert 'next: <time datetime="2026-12-03T17:00:00+00:00">Dec 3, 2026</time>' in body
    # The home page's next events, too.
    home = client.get("/").get_data(as_text=True)
    assert _slugs(home) == [series.slug, single.slug]
    assert "Every Thursday, 18:00 CET" in home


def test_the_card_shows_the_first_date_the_filters_match(client: FlaskClient) -> None:
    series = make_series(
        berlin_embassy(), title="Daily vigil", repeat=Repeat.DAILY, starts_local=_at(5)
    )
    body = client.get("/events?from=2026-12-07").get_data(as_text=True)
    assert _slugs(body) == [series.slug]
    assert "Every day, 15:00 CET" in body
    assert 'next: <time datetime="2026-12-07T14:00:00+00:00">' in body
    # Past its last date (9 December) it is no card at all.
    assert _slugs(client.get("/events?from=2026-12-10").get_data(as_text=True)) == []


def test_series_page_as_single_cards(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages hold events, not dates: each event on exactly one page; the capped count
    counts events."""
    monkeypatch.setattr(queries, "COUNT_PAGES_AHEAD", 1)
    app.config["EVENTS_PER_PAGE"] = 2
    berlin = berlin_embassy()
    made = [
        make_series(berlin, title=f"Weekly vigil {day}", starts_local=_at(day))
        for day in range(1, 5)
    ]
    made.append(make_event(berlin, title="Single rally", starts_local=_at(20)))
    first = client.get("/events").get_data(as_text=True)
    assert "More than 4 events found" in first  # counted up to page 1 + 1
    assert "Page 1 of more than 2" in first
    seen = _slugs(first)
    for number in (2, 3):
        seen += _slugs(client.get(f"/events?page={number}").get_data(as_text=True))
    assert seen == [event.slug for event in made]
    last = client.get("/events?page=3").get_data(as_text=True)
    assert "5 events found" in last
    assert "Page 3 of 3" in last
    assert 'rel="next"' not in last


def test_the_list_costs_the_same_queries_with_more_series(app: Flask, client: FlaskClient) -> None:
    """No query per card: the statements of a list do not grow with its events."""
    app.config["PAGE_CACHE_SECONDS"] = 0
    berlin = berlin_embassy()

    def statements() -> int:
        with sql_statements() as sent:
            assert client.get("/events").status_code == 200
            assert client.get("/").status_code == 200
        return len(sent)

    make_series(berlin, title="First series", starts_local=_at(1))
    few = statements()
    assert few > 2  # the pages were built, not served from the cache
    for day in range(2, 12):
        make_series(berlin, title=f"Series {day}", starts_local=_at(day))
        make_event(berlin, title=f"Rally {day}", starts_local=_at(day, 10))
    assert statements() == few
