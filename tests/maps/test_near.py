"""The list filtered by distance: /events?near=<city or lat,lon>&radius_km=<1..2000>.

Issue 5: cities resolved offline (GeoNames, app/venues/data), great-circle distance, nearest
first, each card with its distance; anything unknown or out of range is a 400.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import make_event, make_venue
from tests.maps.conftest import World
from tests.maps.parsing import event_cards


def _cards(client: FlaskClient, query: str) -> list[tuple[str, str | None]]:
    response = client.get(f"/events?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return event_cards(response.get_data(as_text=True))


def test_nearest_first_with_the_distance(client: FlaskClient, world: World) -> None:
    cards = _cards(client, "near=Berlin")
    assert cards == [
        ("Rally at the Gate", "2.4 km away"),
        ("Vigil in Dahlem", "10 km away"),
        ("March in Potsdam", "28 km away"),
    ]


def test_a_position_and_a_radius(client: FlaskClient, world: World) -> None:
    # The weekly Hamburg vigil is one card (its next date), after the nearer events.
    # Taken as 52.52,13.41 (rounded to about 1 km) and 500 km (the next radius step).
    cards = _cards(client, "near=52.52437,13.41053&radius_km=300")
    titles = [title for title, _ in cards]
    assert titles == [
        "Rally at the Gate",
        "Vigil in Dahlem",
        "March in Potsdam",
        "Weekly vigil in Hamburg",
    ]
    assert cards[3][1] == "256 km away"


@pytest.mark.parametrize(
    ("radius", "expected"),
    [
        # Widened to the next step (5, 10, 25, 50, 100… km).
        (1, ["Rally at the Gate"]),
        (3, ["Rally at the Gate"]),
        (11, ["Rally at the Gate", "Vigil in Dahlem"]),
        (50, ["Rally at the Gate", "Vigil in Dahlem", "March in Potsdam"]),
    ],
)
def test_the_radius_is_respected(
    client: FlaskClient, world: World, radius: int, expected: list[str]
) -> None:
    assert [title for title, _ in _cards(client, f"near=Berlin&radius_km={radius}")] == expected


def test_nothing_near_offers_the_nearest_event_and_a_wider_radius(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/events?near=Tehran&radius_km=100")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Showing 0 events within 100 km of <bdi>Tehran, Iran</bdi>" in body
    # No dead end: the nearest event anywhere (the Paris-Berlin events are ~3,500 km
    # away), with its distance; 3,500 km is beyond the largest radius, so no wider link.
    assert "The nearest upcoming event is" in body
    cards = event_cards(body)
    assert len(cards) == 1
    assert cards[0][1] is not None
    assert cards[0][1].endswith("km away")
    assert "No upcoming rallies or vigils match." not in body


def test_nothing_near_links_to_the_radius_that_shows_the_nearest(
    client: FlaskClient, world: World
) -> None:
    body = client.get("/events?near=Leipzig&radius_km=25").get_data(as_text=True)
    assert "Showing 0 events within 25 km of <bdi>Leipzig, Germany</bdi>" in body
    assert "The nearest upcoming event is" in body
    link = re.search(r'<a class="wider" href="([^"]+)">Show events within (\d+) km</a>', body)
    assert link is not None
    assert link.group(2) == "250"  # Potsdam is ~120 km from Leipzig: the next step is 250
    wider = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "within 250 km of <bdi>Leipzig, Germany</bdi>" in wider
    assert "March in Potsdam" in wider


def test_other_filters_combine_with_near(client: FlaskClient, world: World) -> None:
    assert _cards(client, "near=Berlin&kind=vigil") == [("Vigil in Dahlem", "10 km away")]
    assert _cards(client, "near=Berlin&q=potsdam") == [("March in Potsdam", "28 km away")]


def test_without_near_there_is_no_distance(client: FlaskClient, world: World) -> None:
    cards = _cards(client, "")
    assert cards
    assert {distance for _, distance in cards} == {None}


def test_across_the_antimeridian(client: FlaskClient, world: World) -> None:
    cards = _cards(client, "near=-14,-171&radius_km=1500")
    assert [title for title, _ in cards] == ["Vigil in Apia", "Vigil in Suva"]


@pytest.mark.parametrize(
    "query",
    [
        "near=Atlantis-on-Spree",
        "near=91,0",
        "near=0,181",
        "near=NaN,0",
        "near=0,-inf",
        "near=1e309,0",
        "near=52.5;13.4",
        "near=Berlin&radius_km=0",
        "near=Berlin&radius_km=2001",
        "near=Berlin&radius_km=abc",
        "near=Berlin&radius_km=-1",
        "near=Berlin&radius_km=1e3",
        "near=Ber%00lin",
        "near=" + "x" * 101,
        "radius_km=0",
    ],
)
def test_bad_values_are_a_400(client: FlaskClient, world: World, query: str) -> None:
    response = client.get(f"/events?{query}")
    assert response.status_code == 400, query
    body = response.get_data(as_text=True)
    assert '<p class="error" id="near-error">' in body or 'id="radius_km-error"' in body
    assert 'role="search"' in body


def test_the_radius_reaches_as_far_east_and_west_as_it_reaches_north(
    client: FlaskClient, app: Any
) -> None:
    """A venue within the radius is listed wherever it lies around the centre.

    Skjervøy in northern Norway is 1,921 km from Reykjavik, well inside a 2,000 km
    radius. app.venues.geo.around() first narrows the query to a box whose half-width
    is radius / (111 km × cos(latitude of the centre)): about 41.3° of longitude here.
    But a circle on the sphere reaches furthest east and west *poleward* of its centre
    (asin(sin(d) / cos(latitude)), 45.1° here), and Skjervøy lies 42.9° east of
    Reykjavik, so the box drops it before the exact distance is ever computed.
    """
    skjervoy = make_venue(
        import_key=None,
        name="Skjervøy kirke",
        kind="other",
        address="Skjervøy",
        city="Skjervøy",
        country_code="NO",
        latitude=70.0337,
        longitude=20.9726,
        timezone="Europe/Oslo",
    )
    make_event(skjervoy, title="Vigil in Skjervøy")
    near = "near=64.1466,-21.9426&radius_km=2000"
    assert [title for title, _ in _cards(client, near)] == ["Vigil in Skjervøy"]
    markers = client.get(f"/events.geojson?{near}").get_json()
    assert [e["title"] for f in markers["features"] for e in f["properties"]["events"]] == [
        "Vigil in Skjervøy"
    ]


@pytest.mark.parametrize(
    ("near", "same_as"),
    [("berlin", "Berlin"), ("BERLIN", "Berlin"), ("Berlín", "Berlin"), ("برلین", "Berlin"),
     ("NYC", "New York City"), ("New York", "New York City"), ("new-york", "New York City"),
     ("نیویورک", "New York City")],
)  # fmt: skip
def test_the_names_people_type(client: FlaskClient, world: World, near: str, same_as: str) -> None:
    # Toronto's rally is about 550 km from New York.
    cards = _cards(client, f"near={near}&radius_km=1000")
    assert cards
    assert cards == _cards(client, f"near={same_as}&radius_km=1000")


def test_a_persian_city_name(client: FlaskClient, world: World) -> None:
    cards = _cards(client, "near=تورنتو")
    assert cards == _cards(client, "near=Toronto")
    assert [title for title, _ in cards] == ["Rally in Toronto"]


def test_an_unknown_place_is_shown_again_with_close_names(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/events?near=Tehrn&radius_km=100&kind=vigil")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "We do not know the place “Tehrn”." in body
    assert 'value="Tehrn"' in body
    suggestion = re.search(
        r'<p class="suggestions">Did you mean:\s*<a href="([^"]+)"><bdi>Tehran</bdi>', body
    )
    assert suggestion is not None
    # One click searches again with the other filters kept.
    again = client.get(suggestion.group(1).replace("&amp;", "&"))
    assert again.status_code == 200
    assert "within 100 km of <bdi>Tehran, Iran</bdi>" in again.get_data(as_text=True)
    assert "kind=vigil" in suggestion.group(1)
    # Gibberish has no close name: the message alone.
    gibberish = client.get("/events?near=Qwzxv+Plorb").get_data(as_text=True)
    assert "We do not know the place “Qwzxv Plorb”." in gibberish
    assert 'class="suggestions"' not in gibberish


@pytest.mark.parametrize(
    ("near", "place"),
    [
        ("Berlin", "Berlin, Germany"),
        ("berlin", "Berlin, Germany"),
        ("برلین", "Berlin, Germany"),
        ("Teheran", "Tehran, Iran"),
        ("تهران", "Tehran, Iran"),
        ("NYC", "New York City, United States"),
        ("New York", "New York City, United States"),
        ("52.52,13.40", "52.52,13.40"),
    ],
)
def test_the_page_says_where_it_searched(
    client: FlaskClient, world: World, near: str, place: str
) -> None:
    response = client.get("/events", query_string={"near": near})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    match = re.search(r"Showing (\d+) events? within 50 km of <bdi>([^<]+)</bdi>", body)
    assert match is not None, body[:2000]
    assert match.group(2) == place
    assert int(match.group(1)) == len(event_cards(body)) or "The nearest upcoming" in body
