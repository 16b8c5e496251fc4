"""Public pages are cached for anonymous visitors and never go stale after a change."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import httpcache
from app.extensions import cache, db
from app.models import Event
from tests.conftest import signed_in, sql_statements
from tests.events.forms import event_form, post_event
from tests.factories import PASSWORD, berlin_embassy, make_user


def _publish(client: FlaskClient, title: str) -> Event:
    venue = berlin_embassy()
    assert (
        post_event(client, "/organize/events/new", event_form(venue, title=title)).status_code
        == 303
    )
    return db.session.scalars(select(Event).where(Event.title == title)).one()


@pytest.mark.parametrize("path", ["/", "/events", "/statement"])
def test_second_anonymous_request_runs_no_sql(app: Flask, path: str) -> None:
    visitor = app.test_client()
    first = visitor.get(path)
    with sql_statements() as statements:
        second = visitor.get(path)
    assert second.status_code == 200
    assert second.data == first.data
    assert statements == []
    # Security headers are added to cached pages too.
    assert "default-src 'none'" in second.headers["Content-Security-Policy"]


def test_a_change_shows_at_once(app: Flask, client: FlaskClient) -> None:
    organizer = app.test_client()
    signed_in(organizer)
    event = _publish(organizer, "First title")
    assert "First title" in client.get("/events").get_data(as_text=True)
    assert "First title" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    url = f"/organize/events/{event.id}/edit"
    assert (
        post_event(organizer, url, event_form(event.venue, title="Second title")).status_code == 303
    )
    assert "Second title" in client.get("/events").get_data(as_text=True)
    assert "Second title" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_signed_in_pages_are_neither_cached_nor_served_from_cache(
    app: Flask, client: FlaskClient
) -> None:
    anonymous = client.get("/").get_data(as_text=True)
    assert "Organizer sign-in" in anonymous
    organizer = app.test_client()
    signed_in(organizer)
    assert "My events" in organizer.get("/").get_data(as_text=True)
    assert "My events" not in client.get("/").get_data(as_text=True)


def test_flashed_message_is_not_cached(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    leaving = app.test_client()
    from tests.conftest import csrf_token, login

    assert login(leaving, user.email, PASSWORD).status_code == 303
    token = csrf_token(leaving, "/")
    response = leaving.post("/auth/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "You are signed out." in response.get_data(as_text=True)
    assert "You are signed out." not in client.get("/").get_data(as_text=True)


def test_languages_are_cached_apart(client: FlaskClient) -> None:
    english = client.get("/events").get_data(as_text=True)
    client.set_cookie("lang", "fa")
    persian = client.get("/events").get_data(as_text=True)
    assert 'dir="rtl"' in persian
    assert 'dir="ltr"' in english


def test_other_workers_see_a_change_within_a_second(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/events")
    before = httpcache.current_generation()
    # Another worker commits: it replaces the generation in the shared cache.
    cache.set(httpcache.GENERATION_KEY, "from-another-worker", timeout=0)
    assert httpcache.current_generation() == before  # trusted for up to a second
    later = (
        app.extensions["vigil_generation"][httpcache.GENERATION_KEY].checked_at
        + httpcache.GENERATION_RECHECK
        + 0.1
    )
    monkeypatch.setattr(httpcache.time, "monotonic", lambda: later)
    assert httpcache.current_generation() == "from-another-worker"


@pytest.mark.parametrize("app_overrides", [{"PAGE_CACHE_SECONDS": 0}])
def test_cache_can_be_turned_off(app: Flask, client: FlaskClient) -> None:
    client.get("/events")
    with sql_statements() as statements:
        assert client.get("/events").status_code == 200
    assert statements
