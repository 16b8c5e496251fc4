"""The JSON API's routes: public fields only, filters as on /events, cursor pages."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.events.services import cancel_date, cancel_event
from app.extensions import db
from app.models import EventKind
from tests.factories import (
    berlin_embassy,
    make_event,
    make_place,
    make_rsvp,
    make_series,
    make_statement,
    make_user,
    toronto,
)

STARTS = datetime(2026, 12, 5, 15, 0)  # noqa: DTZ001 - venue wall time


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.data
    assert response.mimetype == (
        "application/json" if status == 200 else "application/problem+json"
    )
    return json.loads(response.data)


# --- /api/v1/events ---------------------------------------------------------------------------


def test_an_event_in_the_list_has_its_public_fields(client: FlaskClient, app: Any) -> None:
    organizer = make_user(display_name="Private Person")
    event = make_event(
        berlin_embassy(),
        organizer=organizer,
        title="Vigil at the embassy",
        description="*Bring* a candle",
    )
    event.organized_by = "Free Them Collective"
    db.session.commit()
    make_rsvp(event, display_name="Secret Attendee", email="attendee@example.org")

    body = get_json(client, "/api/v1/events")

    assert body["next"] is None
    [item] = body["items"]
    assert item["slug"] == event.slug
    assert item["url"] == f"http://localhost/events/{event.slug}"
    assert item["ical_url"] == f"http://localhost/events/{event.slug}.ics"
    assert item["title"] == "Vigil at the embassy"
    assert item["description"] == "*Bring* a candle"
    assert item["description_html"] == "<p><em>Bring</em> a candle</p>\n"
    assert item["kind"] == "vigil"
    assert item["status"] == "published"
    assert item["cancel_reason"] is None
    # Berlin in December is UTC+1: the venue's offset, and its zone beside it.
    assert item["starts_at"] == "2026-12-05T15:00:00+01:00"
    assert item["ends_at"] == "2026-12-05T17:00:00+01:00"
    assert item["timezone"] == "Europe/Berlin"
    assert item["organized_by"] == "Free Them Collective"
    assert item["venue"] == {
        "name": "Embassy of Iran, Berlin",
        "address": "Podbielskiallee 65–67, Berlin",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": 52.4609,
        "longitude": 13.2998,
    }
    text = json.dumps(body)
    for private in ("Private Person", organizer.email, "Secret Attendee", "attendee@example.org"):
        assert private not in text
    assert "capacity" not in item
    assert "rsvp" not in text.lower()


def test_the_list_has_one_item_per_upcoming_date(client: FlaskClient, app: Any) -> None:
    series = make_series(berlin_embassy(), title="Weekly vigil")
    items = get_json(client, "/api/v1/events")["items"]
    assert [item["slug"] for item in items] == [series.slug] * 5
    assert [item["starts_at"][:10] for item in items] == [
        "2026-12-05",
        "2026-12-12",
        "2026-12-19",
        "2026-12-26",
        "2027-01-02",
    ]


def test_drafts_are_never_listed(client: FlaskClient, app: Any) -> None:
    draft = make_event(berlin_embassy(), title="Secret draft", publish=False)
    body = get_json(client, "/api/v1/events")
    assert body["items"] == []
    assert "Secret draft" not in json.dumps(body)
    get_json(client, f"/api/v1/events/{draft.slug}", status=404)


def test_cancelled_events_are_listed_as_cancelled(client: FlaskClient, app: Any) -> None:
    event = make_event(berlin_embassy())
    cancel_event(event, reason="Storm warning", editor=event.organizer)
    db.session.commit()
    [item] = get_json(client, "/api/v1/events")["items"]
    assert item["status"] == "cancelled"
    assert item["cancel_reason"] == "Storm warning"
    detail = get_json(client, f"/api/v1/events/{event.slug}")
    assert detail["status"] == "cancelled"
    assert [line["cancelled"] for line in detail["dates"]] == [True]


def test_filters_are_those_of_the_events_page(client: FlaskClient, app: Any) -> None:
    in_berlin = make_event(berlin_embassy(), title="Berlin vigil")
    in_toronto = make_event(toronto(), title="Toronto rally", kind=EventKind.RALLY)

    def slugs(query: str) -> list[str]:
        return [item["slug"] for item in get_json(client, f"/api/v1/events?{query}")["items"]]

    assert slugs("country=de") == [in_berlin.slug]
    assert slugs("city=toronto") == [in_toronto.slug]
    assert slugs("kind=rally") == [in_toronto.slug]
    assert slugs("q=berlin") == [in_berlin.slug]
    assert slugs("from=2027-01-01") == []
    # Berlin's 15:00 is earlier than Toronto's: soonest first.
    assert slugs("to=2026-12-31") == [in_berlin.slug, in_toronto.slug]
    near = get_json(client, "/api/v1/events?near=52.5,13.4&radius_km=50")["items"]
    assert [item["slug"] for item in near] == [in_berlin.slug]
    assert 0 < near[0]["distance_km"] < 50


def test_cursor_pages_walk_the_whole_list(client: FlaskClient, app: Any) -> None:
    venue = berlin_embassy()
    made = [
        make_event(venue, title=f"Vigil {n}", starts_local=STARTS + timedelta(days=n))
        for n in range(5)
    ]
    seen: list[str] = []
    url: str | None = "/api/v1/events?limit=2&country=DE"
    pages = 0
    while url is not None:
        body = get_json(client, url)
        assert len(body["items"]) <= 2
        seen += [item["slug"] for item in body["items"]]
        url = body["next"]
        if url is not None:
            assert url.startswith("http://localhost/api/v1/events?")
            assert "country=DE" in url
        pages += 1
    assert pages == 3
    assert seen == [event.slug for event in made]


def test_cursor_pages_of_a_near_list(client: FlaskClient, app: Any) -> None:
    venue = berlin_embassy()
    for n in range(3):
        make_event(venue, title=f"Vigil {n}", starts_local=STARTS + timedelta(days=n))
    first = get_json(client, "/api/v1/events?near=Berlin&limit=2")
    assert len(first["items"]) == 2
    second = get_json(client, first["next"])
    assert len(second["items"]) == 1
    assert second["next"] is None
    # A cursor of a near list does not fit the list by date.
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    problem = get_json(client, f"/api/v1/events?cursor={cursor}", status=400)
    assert "cursor" in problem["detail"].lower()


# --- /api/v1/events/<slug> --------------------------------------------------------------------


def test_one_event_with_its_dates_and_cancelled_dates(client: FlaskClient, app: Any) -> None:
    series = make_series(berlin_embassy(), title="Weekly vigil")
    cancel_date(series, date(2026, 12, 12), reason="Holiday", editor=series.organizer)
    db.session.commit()
    body = get_json(client, f"/api/v1/events/{series.slug}")
    assert body["slug"] == series.slug
    assert body["status"] == "published"
    assert [(line["starts_at"], line["cancelled"], line["reason"]) for line in body["dates"]] == [
        ("2026-12-05T15:00:00+01:00", False, None),
        ("2026-12-12T15:00:00+01:00", True, "Holiday"),
        ("2026-12-19T15:00:00+01:00", False, None),
        ("2026-12-26T15:00:00+01:00", False, None),
        ("2027-01-02T15:00:00+01:00", False, None),
    ]
    listed = get_json(client, "/api/v1/events")["items"]
    assert "2026-12-12" not in [item["starts_at"][:10] for item in listed]


@pytest.mark.parametrize("slug", ["no-such-event", "UPPER", "a%00b", "x" * 200, "%E2%80%AE"])
def test_unknown_events_are_a_404_problem(client: FlaskClient, app: Any, slug: str) -> None:
    problem = get_json(client, f"/api/v1/events/{slug}", status=404)
    assert problem["status"] == 404
    assert problem["title"] == "Not Found"


# --- /api/v1/venues ---------------------------------------------------------------------------


def test_venues_are_the_missions_only(client: FlaskClient, app: Any) -> None:
    mission = berlin_embassy()
    make_place(name="Someone's own address")
    body = get_json(client, "/api/v1/venues")
    assert body["next"] is None
    assert body["items"] == [
        {
            "id": mission.id,
            "name": "Embassy of Iran, Berlin",
            "address": "Podbielskiallee 65–67, Berlin",
            "city": "Berlin",
            "country_code": "DE",
            "latitude": 52.4609,
            "longitude": 13.2998,
            "kind": "embassy",
            "mission_kind": None,
            "status": "open",
            "timezone": "Europe/Berlin",
        }
    ]


def test_venues_by_country_in_pages(client: FlaskClient, app: Any) -> None:
    for n in range(3):
        berlin_embassy(import_key=f"mission:{n}", name=f"Mission {n}")
    toronto(import_key="mission:toronto")
    first = get_json(client, "/api/v1/venues?country=de&limit=2")
    assert [item["name"] for item in first["items"]] == ["Mission 0", "Mission 1"]
    second = get_json(client, first["next"])
    assert [item["name"] for item in second["items"]] == ["Mission 2"]
    assert second["next"] is None


# --- /api/v1/statement ------------------------------------------------------------------------


def test_the_pinned_statement(client: FlaskClient, app: Any) -> None:
    get_json(client, "/api/v1/statement", status=404)
    make_statement(title="Free them all", body="We stand **with** them.\n\n<script>x</script>")
    body = get_json(client, "/api/v1/statement")
    assert body["title"] == "Free them all"
    assert body["body"].startswith("We stand **with** them.")
    assert "<strong>with</strong>" in body["body_html"]
    assert "<script>" not in body["body_html"]
    assert body["version_date"] == "2026-11-25T12:00:00+00:00"
    assert body["url"] == "http://localhost/statement"


@pytest.mark.parametrize(
    "title",
    ["</script><script>alert(1)</script>", "تجمع برای آزادی همه‌ی زندانیان", 'Quote " and \\ back'],
)
def test_titles_come_back_exactly(client: FlaskClient, app: Any, title: str) -> None:
    event = make_event(berlin_embassy(), title=title)
    [item] = get_json(client, "/api/v1/events")["items"]
    assert item["title"] == title
    assert get_json(client, f"/api/v1/events/{event.slug}")["title"] == title
