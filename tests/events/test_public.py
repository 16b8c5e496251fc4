"""Public lists and pages: filters, pagination, order, drafts and past events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.events import queries
from app.models import Event, Venue
from tests.conftest import sql_statements
from tests.factories import berlin_embassy, london_embassy, make_event


def _event(
    venue: Venue, title: str, day: int, *, kind: str = "rally", publish: bool = True
) -> Event:
    # A naive wall time at the venue, as the event form produces it.
    start = datetime(2026, 12, day, 15, 0)  # noqa: DTZ001
    return make_event(venue, title=title, kind=kind, starts_local=start, publish=publish)


def _places() -> tuple[Venue, Venue]:
    return berlin_embassy(), london_embassy()


def test_list_is_sorted_soonest_first_and_hides_drafts(client: FlaskClient) -> None:
    berlin, london = _places()
    _event(berlin, "Later rally", 20)
    _event(london, "Sooner vigil", 5, kind="vigil")
    _event(berlin, "Secret draft", 6, publish=False)
    body = client.get("/events").get_data(as_text=True)
    assert body.index("Sooner vigil") < body.index("Later rally")
    assert "Secret draft" not in body
    home = client.get("/").get_data(as_text=True)
    assert home.index("Sooner vigil") < home.index("Later rally")
    assert "Secret draft" not in home


def test_filters_narrow_the_list(client: FlaskClient) -> None:
    berlin, london = _places()
    _event(berlin, "Berlin rally", 5)
    _event(london, "London vigil", 6, kind="vigil")
    _event(london, "London march", 20, kind="march")

    def titles(query: str) -> set[str]:
        body = client.get(f"/events?{query}").get_data(as_text=True)
        return {t for t in ("Berlin rally", "London vigil", "London march") if t in body}

    assert titles("country=gb") == {"London vigil", "London march"}
    assert titles("city=berlin") == {"Berlin rally"}
    assert titles("kind=vigil") == {"London vigil"}
    assert titles("from=2026-12-10") == {"London march"}
    assert titles("to=2026-12-05") == {"Berlin rally"}
    assert titles("q=MARCH") == {"London march"}
    assert titles("q=100%25") == set()  # LIKE wildcards are literal
    assert titles("country=GB&kind=march") == {"London march"}


def test_pagination(app: Flask, client: FlaskClient) -> None:
    app.config["EVENTS_PER_PAGE"] = 2
    berlin, _london = _places()
    for day in range(1, 6):
        _event(berlin, f"Rally number {day}", day)
    first = client.get("/events").get_data(as_text=True)
    assert "Rally number 1" in first
    assert "Rally number 3" not in first
    third = client.get("/events?page=3&country=DE").get_data(as_text=True)
    assert "Rally number 5" in third
    assert "Page 3 of 3" in third
    # Beyond the last page: an empty page, not an error.
    assert client.get("/events?page=9").status_code == 200


def test_pagination_counts_a_few_pages_ahead(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count stops a few pages after the one shown (10 in production): "more than"."""
    monkeypatch.setattr(queries, "COUNT_PAGES_AHEAD", 2)
    app.config["EVENTS_PER_PAGE"] = 2
    berlin, _london = _places()
    for day in range(1, 10):
        _event(berlin, f"Rally number {day}", day)

    def page(number: int) -> str:
        response = client.get(f"/events?page={number}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    with sql_statements() as statements:
        first = page(1)
    assert "More than 6 events found" in first  # counted up to page 1 + 2
    assert "Page 1 of more than 3" in first
    assert 'rel="next" href="/events?page=2"' in first
    assert any(" LIMIT " in sql and "count(" in sql for sql in statements)
    assert "Page 2 of more than 4" in page(2)
    third = page(3)  # counted up to page 5: all nine dates
    assert "9 events found" in third
    assert "More than" not in third
    assert "Page 3 of 5" in third
    assert 'rel="next" href="/events?page=4"' in third
    last = page(5)
    assert "Page 5 of 5" in last
    assert "Rally number 9" in last
    assert 'rel="next"' not in last
    embedded = client.get("/embed/events").get_data(as_text=True)
    assert "See more than 6 events on" in embedded


def test_past_events_are_reachable_but_not_listed(client: FlaskClient) -> None:
    berlin, _london = _places()
    event = _event(berlin, "Past rally", 1)
    clock.freeze(datetime(2026, 12, 2, tzinfo=UTC))
    assert "Past rally" not in client.get("/events").get_data(as_text=True)
    assert client.get(f"/events/{event.slug}").status_code == 200
    assert "Past rally" in client.get("/events?from=2026-12-01").get_data(as_text=True)


def test_query_count_does_not_grow_with_events(app: Flask, client: FlaskClient) -> None:
    berlin, london = _places()
    _event(berlin, "First", 3)
    event = _event(london, "Second", 4)

    def counts() -> tuple[int, int, int]:
        result = []
        for url in ("/", "/events", f"/events/{event.slug}"):
            with sql_statements() as statements:
                assert client.get(url).status_code == 200
            result.append(len(statements))
        return result[0], result[1], result[2]

    before = counts()
    for day in range(5, 25):
        _event(berlin if day % 2 else london, f"More {day}", day)
    assert counts() == before
