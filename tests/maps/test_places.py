"""One marker per place: its count of events, its first three, and the rest
from /venues/<id>/events.json with the same filters.

Besides the world of tests/maps/conftest.py (each event at a place of its own), the
Dahlem embassy holds five public events here, soonest first (venue time):

    Fri 27 Nov 15:00  rally    "Rally at the embassy"
    Sun 29 Nov 15:00  vigil    "Vigil called off"          cancelled
    Mon 30 Nov 15:00  vigil    "Weekly vigil at the embassy", every Monday to 25 January
    Sat  5 Dec 15:00  vigil    "Vigil in Dahlem"            (the world's)
    Sun 20 Dec 15:00  march    "March from the embassy"

and two that no map may show (a draft and one that is over, the world's).
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

import app.maps.queries
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event, Repeat, Venue
from tests.browser.conftest import HOSTILE_TITLES
from tests.conftest import sql_statements
from tests.factories import make_event, make_place
from tests.maps.conftest import BY_START, World
from tests.maps.parsing import features, get_json, titles
from tests.maps.test_geojson import MORE_HOSTILE_TITLES

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
AT_THE_EMBASSY = [
    "Rally at the embassy",
    "Vigil called off",
    "Weekly vigil at the embassy",
    "Vigil in Dahlem",
    "March from the embassy",
]


def _at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 15, 0)  # noqa: DTZ001 - venue wall time


@pytest.fixture
def embassy(world: World) -> Venue:
    """The Dahlem embassy with the five events of the module docstring."""
    venue = world.events["dahlem"].venue

    def add(title: str, starts: datetime, **overrides: Any) -> Event:
        event = make_event(
            venue, organizer=world.organizer, title=title, starts_local=starts, **overrides
        )
        world.events[title] = event
        return event

    add("Rally at the embassy", _at(27), kind="rally")
    called_off = add("Vigil called off", _at(29))
    add(
        "Weekly vigil at the embassy",
        _at(30),
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 1, 25),
    )
    add("March from the embassy", _at(20, 12), kind="march")
    cancel_event(called_off, reason="Permit refused", editor=world.organizer)
    db.session.commit()
    return venue


def _place(client: FlaskClient, venue: Venue, query: str = "") -> dict[str, Any]:
    [found] = [f for f in features(client, query) if f["id"] == venue.id]
    return found


def _listed(client: FlaskClient, venue: Venue, query: str = "") -> dict[str, Any]:
    url = f"/venues/{venue.id}/events.json"
    return get_json(client, f"{url}?{query}" if query else url)


def _titles(events: list[dict[str, Any]]) -> list[str]:
    return [event["title"] for event in events]


# --- grouping and counts in /events.geojson -------------------------------------------------


def test_one_feature_per_place_with_its_count_and_first_three(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    found = features(client)
    assert len(found) == len(BY_START)  # nine places, fourteen events
    assert len({feature["id"] for feature in found}) == len(found)
    place = _place(client, embassy)
    assert place["properties"]["event_count"] == 5
    assert place["properties"]["cancelled_count"] == 1
    assert _titles(place["properties"]["events"]) == AT_THE_EMBASSY[:3]
    assert [e["cancelled"] for e in place["properties"]["events"]] == [False, True, False]
    # The series is one event, listed at its next date.
    assert place["properties"]["events"][2]["starts_at"] == "2026-11-30T15:00+01:00"
    assert "Secret draft" not in json.dumps(found)
    assert "Vigil that is over" not in json.dumps(found)


def test_places_come_in_the_order_of_their_first_event(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    cities = [f["properties"]["city"] for f in features(client)]
    # Hamburg's vigil on the 26th, then the embassy's rally on the 27th, then the Gate.
    assert cities[:3] == ["Hamburg", "Berlin", "Berlin"]
    assert features(client)[1]["id"] == embassy.id
    assert titles(client)[:4] == ["Weekly vigil in Hamburg", *AT_THE_EMBASSY[:3]]


@pytest.mark.parametrize(
    ("query", "count", "shown"),
    [
        ("kind=vigil", 3, [1, 2, 3]),
        ("kind=march", 1, [4]),
        # The series' next date from 1 December is Monday 7 December.
        ("from=2026-12-01", 3, [3, 2, 4]),
        ("to=2026-11-29", 2, [0, 1]),
        ("q=at%20the", 2, [0, 2]),
        ("near=Berlin&radius_km=25", 5, [0, 1, 2]),
        ("bbox=13,52,14,53&kind=rally", 1, [0]),
    ],
)
def test_counts_and_first_events_follow_the_filters(
    client: FlaskClient, world: World, embassy: Venue, query: str, count: int, shown: list[int]
) -> None:
    place = _place(client, embassy, query)["properties"]
    assert place["event_count"] == count
    assert _titles(place["events"]) == [AT_THE_EMBASSY[i] for i in shown]
    assert place["cancelled_count"] == (1 if 1 in shown else 0)


def test_a_place_whose_events_are_all_filtered_out_is_not_on_the_map(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    assert [f for f in features(client, "q=Potsdam") if f["id"] == embassy.id] == []
    # 10.3 km from Berlin's centre: outside a radius of 10 km.
    assert embassy.id not in [f["id"] for f in features(client, "near=Berlin&radius_km=10")]


def test_near_orders_places_by_distance(client: FlaskClient, world: World, embassy: Venue) -> None:
    found = features(client, "near=Berlin&radius_km=50")
    assert [f["properties"]["venue"] for f in found] == [
        "Brandenburger Tor",
        embassy.name,
        "Alter Markt",
    ]
    assert found[1]["properties"]["distance_km"] == pytest.approx(10.3, abs=0.1)
    assert found[1]["properties"]["event_count"] == 5


# --- /venues/<id>/events.json ---------------------------------------------------------------


def test_a_place_lists_all_its_events(client: FlaskClient, world: World, embassy: Venue) -> None:
    listed = _listed(client, embassy)
    assert set(listed) == {"id", "venue", "city", "country", "event_count", "events"}
    assert (listed["id"], listed["venue"], listed["city"], listed["country"]) == (
        embassy.id,
        embassy.name,
        "Berlin",
        "DE",
    )
    assert listed["event_count"] == 5
    assert _titles(listed["events"]) == AT_THE_EMBASSY
    # The same fields as the markers' events, the first three the same.
    assert listed["events"][:3] == _place(client, embassy)["properties"]["events"]
    march = listed["events"][4]
    assert march == {
        "title": "March from the embassy",
        "url": f"/events/{world.events['March from the embassy'].slug}",
        "kind": "march",
        "kind_label": "March",
        "cancelled": False,
        "starts_at": "2026-12-20T15:00+01:00",
        "when": "Sunday, December 20, 2026, 15:00–17:00 CET",
    }


def test_cancelled_events_are_flagged_in_a_places_list(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    flags = {e["title"]: e["cancelled"] for e in _listed(client, embassy)["events"]}
    assert flags.pop("Vigil called off") is True
    assert set(flags.values()) == {False}
    cancel_event(world.events["March from the embassy"], reason="", editor=world.organizer)
    db.session.commit()
    flags = {e["title"]: e["cancelled"] for e in _listed(client, embassy)["events"]}
    assert flags["March from the embassy"] is True
    assert _place(client, embassy)["properties"]["cancelled_count"] == 2


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("kind=vigil", [1, 2, 3]),
        ("kind=rally&country=de", [0]),
        ("city=BERLIN&from=2026-12-01&to=2026-12-10", [3, 2]),
        ("q=weekly", [2]),
        ("near=Berlin&radius_km=25", [0, 1, 2, 3, 4]),
        ("near=Berlin&radius_km=10", []),  # the embassy is 10.3 km away
        ("near=Hamburg", []),
        ("bbox=13,52,14,53", [0, 1, 2, 3, 4]),
        ("bbox=2,48,3,49", []),
        ("country=FR", []),
        ("city=Paris", []),
        ("from=2027-02-01", []),
        ("unknown=ignored", [0, 1, 2, 3, 4]),
    ],
)
def test_a_places_list_honours_the_filters(
    client: FlaskClient, world: World, embassy: Venue, query: str, shown: list[int]
) -> None:
    listed = _listed(client, embassy, query)
    assert _titles(listed["events"]) == [AT_THE_EMBASSY[i] for i in shown]
    assert listed["event_count"] == len(shown)


def test_every_events_url_lists_what_its_marker_counts(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    for query in ("", "kind=vigil", "country=DE&from=2026-12-01", "near=Berlin&radius_km=100"):
        for feature in features(client, query):
            properties = feature["properties"]
            listed = get_json(client, properties["events_url"])
            assert listed["id"] == feature["id"]
            assert listed["event_count"] == properties["event_count"], (query, listed)
            assert listed["events"][:3] == properties["events"], query


def test_a_long_list_is_cut_and_says_how_many_there_are(
    client: FlaskClient, world: World, embassy: Venue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.maps.queries, "VENUE_EVENTS_MAX", 4)
    listed = _listed(client, embassy)
    assert _titles(listed["events"]) == AT_THE_EMBASSY[:4]
    assert listed["event_count"] == 5


@pytest.mark.parametrize("title", HOSTILE_TITLES + MORE_HOSTILE_TITLES)
def test_hostile_titles_come_back_byte_exact_in_a_places_list(
    client: FlaskClient, world: World, embassy: Venue, title: str
) -> None:
    event = make_event(embassy, organizer=world.organizer, title=title, starts_local=_at(26))
    response = client.get(f"/venues/{embassy.id}/events.json", headers=IDENTITY)
    listed = json.loads(response.data)
    assert listed["events"][0]["title"] == title
    assert listed["events"][0]["url"] == f"/events/{event.slug}"
    # As text, not HTML: maps.js sets it with textContent, so no entity may appear.
    assert json.dumps(title, ensure_ascii=False)[1:-1].encode() in response.data
    if "<" in title and "&lt;" not in title:
        assert b"&lt;" not in response.data


def test_nothing_private_is_in_a_places_list(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    make_event(
        embassy,
        organizer=world.organizer,
        title="Vigil with details",
        description="PRIVATE-DESCRIPTION-CANARY",
        contact_url="mailto:contact-canary@example.org",
        capacity=30,
    )
    body = client.get(f"/venues/{embassy.id}/events.json", headers=IDENTITY).get_data(as_text=True)
    assert "Vigil with details" in body
    for secret in ("PRIVATE-DESCRIPTION-CANARY", "contact-canary", "Secret draft", "@"):
        assert secret not in body, secret
    assert world.organizer.display_name not in body


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/venues/999999/events.json",
        "/venues/0/events.json",
        "/venues/2147483648/events.json",  # more than PostgreSQL's integer
        "/venues/99999999999999999999999999/events.json",
        "/venues/-1/events.json",
        "/venues/abc/events.json",
        "/venues/1.5/events.json",
        "/venues/%00/events.json",
        "/venues/%D9%A1/events.json",  # an Arabic-Indic digit one
        "/venues/01/events.json",  # another spelling of 1: another cache entry
        "/venues/%201/events.json",
        "/venues//events.json",
    ],
)
def test_an_unknown_place_is_a_404_in_json(client: FlaskClient, world: World, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.mimetype == "application/json"
    assert isinstance(json.loads(response.data)["error"], str)
    assert "ETag" not in response.headers


def test_a_place_without_a_position_is_a_404_that_says_so(
    client: FlaskClient, world: World
) -> None:
    venue = world.events["unplaced"].venue
    response = client.get(f"/venues/{venue.id}/events.json")
    assert response.status_code == 404
    assert json.loads(response.data) == {"error": "There is no such place on the map."}


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=NaN,0,1,1",
        "from=2026-02-30",
        "from=2026-12-10&to=2026-12-01",
        "country=XYZ",
        "kind=party",
        "city=Ber%00lin",
        "q=" + "x" * 101,
        "near=Atlantis-on-Spree",
        "near=NaN,5",
        "near=Berlin&radius_km=0",
        "near=Berlin&radius_km=99999999999999999999999999",
    ],
)
def test_bad_filters_are_a_400_in_json(
    client: FlaskClient, world: World, embassy: Venue, query: str
) -> None:
    response = client.get(f"/venues/{embassy.id}/events.json?{query}")
    assert response.status_code == 400, query
    assert response.mimetype == "application/json"
    assert json.loads(response.data)["error"].startswith("Some filters are not valid")
    assert "ETag" not in response.headers


# --- HTTP -----------------------------------------------------------------------------------


def test_a_places_list_is_cached_with_validators_and_gzip(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    url = f"/venues/{embassy.id}/events.json"
    plain = client.get(url, headers=IDENTITY)
    packed = client.get(url, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    cache_control = {part.strip() for part in plain.headers["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=60"}
    assert {"Accept-Encoding", "Accept-Language"} <= set(plain.vary)
    for query in ("", "?kind=vigil"):
        first = client.get(url + query, headers=GZIP)
        db.session.commit()
        with sql_statements() as statements:
            again = client.get(url + query, headers=GZIP)
            unchanged = client.get(
                url + query, headers={**GZIP, "If-None-Match": first.headers["ETag"]}
            )
        assert again.data == first.data
        assert unchanged.status_code == 304
        assert statements == [], query


def test_a_change_at_the_place_shows_at_once(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    url = f"/venues/{embassy.id}/events.json"
    first = client.get(url)
    make_event(embassy, organizer=world.organizer, title="Added later", starts_local=_at(26))
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert _titles(json.loads(again.data)["events"])[0] == "Added later"


def test_a_places_list_follows_the_language(
    client: FlaskClient, world: World, embassy: Venue
) -> None:
    english = _listed(client, embassy, "kind=march")
    persian = get_json(
        client, f"/venues/{embassy.id}/events.json?kind=march", headers={"Accept-Language": "fa"}
    )
    assert english["events"][0]["kind_label"] == "March"
    assert persian["events"][0]["kind_label"] != "March"
    assert persian["events"][0]["title"] == english["events"][0]["title"]


class TestBuildLimit:
    """Building a place's list is rate limited per client, apart from the markers' builds."""

    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"MAP_BUILD_RATE_LIMIT": "3 per minute"}

    def test_forcing_builds_is_rate_limited_but_cached_answers_are_not(
        self, client: FlaskClient, world: World, embassy: Venue
    ) -> None:
        url = f"/venues/{embassy.id}/events.json"
        for kind in ("vigil", "rally", "march"):
            assert client.get(f"{url}?kind={kind}").status_code == 200
        refused = client.get(f"{url}?q=more")
        assert refused.status_code == 429
        assert refused.mimetype == "application/json"
        assert json.loads(refused.data)["error"]
        for _ in range(5):
            assert client.get(f"{url}?kind=vigil").status_code == 200
        # The markers have a budget of their own: opening popups does not stop the map.
        assert client.get("/events.geojson").status_code == 200


# --- many events at a few places ------------------------------------------------------------


def test_a_place_in_another_zone_lists_its_local_times(client: FlaskClient, app: Any) -> None:
    tehran = make_place(
        name="Azadi Square",
        city="Tehran",
        country_code="IR",
        latitude=35.6997,
        longitude=51.3380,
        timezone="Asia/Tehran",
    )
    make_event(tehran, title="Vigil at Azadi Square", starts_local=_at(28))
    [place] = features(client)
    assert place["properties"]["events"][0]["starts_at"] == "2026-11-28T15:00+03:30"
    assert place["properties"]["events"][0]["when"].endswith("+0330")
