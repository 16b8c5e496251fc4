"""What /events.geojson says: public fields of public events, filtered like /events.

Issue 5: a FeatureCollection of public fields only (no attendee data), the list's
filters plus ``bbox``, "near" sorted by great-circle distance; NaN and
out-of-range input refused with a 400, never a 500 (design/security.md decision 13).
One Point per place, with its count of events and its first few. In the
world of tests/maps/conftest.py each event is at a place of its own, so the listed
titles, place by place, are the events in order; tests/maps/test_places.py groups.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import clock
from app.extensions import db
from app.models import Event
from app.venues.geo import distance_km
from tests.browser.conftest import HOSTILE_TITLES
from tests.conftest import DEFAULT_NOW
from tests.factories import berlin_embassy, make_event
from tests.maps.conftest import BY_START, World, one_more_event
from tests.maps.parsing import (
    EVENT_FIELDS,
    PLACE_PROPERTIES,
    event_properties,
    features,
    get_geojson,
    titles,
)

BERLIN_CENTRE = (52.52437, 13.41053)  # GeoNames' "Berlin" (app/venues/data)
# Text that folium or innerHTML would run, and text that must survive byte-exact.
MORE_HOSTILE_TITLES = (
    "${alert(4)}",
    "\\`;alert(5);//",
    "`+alert(6)+`",
    "&lt;b&gt; is not <b>",
    "Vigil 🕯️ for Nasrin",
    "همه\u200cی زندانیان سیاسی",
)


# --- shape ----------------------------------------------------------------------------------


def test_a_feature_collection_of_points(client: FlaskClient, world: World) -> None:
    document = get_geojson(client)

    assert set(document) == {"type", "features"}
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == len(BY_START)
    for feature in document["features"]:
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        assert len(feature["geometry"]["coordinates"]) == 2


def test_coordinates_are_longitude_then_latitude(client: FlaskClient, world: World) -> None:
    by_title = {t: p["geometry"]["coordinates"] for t, p in event_properties(client).items()}
    for key in BY_START:
        venue = world.events[key].venue
        longitude, latitude = by_title[world.title(key)]
        assert longitude == pytest.approx(venue.longitude, abs=6e-6), key
        assert latitude == pytest.approx(venue.latitude, abs=6e-6), key
    # Toronto is west and north: a swapped pair would put it in Antarctica.
    assert by_title["Rally in Toronto"][0] < 0 < by_title["Rally in Toronto"][1]


def test_coordinates_have_at_most_five_decimals(client: FlaskClient, world: World) -> None:
    # The Brandenburg Gate is stored with six decimals (52.516275, 13.377704).
    body = client.get("/events.geojson").get_data(as_text=True)
    pairs = re.findall(r'"coordinates":\[([^\]]*)\]', body)
    assert len(pairs) == len(BY_START)
    for pair in pairs:
        for number in pair.split(","):
            assert re.fullmatch(r"-?\d{1,3}(\.\d{1,5})?", number), pair


def test_properties_are_exactly_the_public_fields(client: FlaskClient, world: World) -> None:
    for feature in features(client):
        assert set(feature["properties"]) == PLACE_PROPERTIES, feature["properties"]
        for event in feature["properties"]["events"]:
            assert set(event) == EVENT_FIELDS, event
    # distance_km only when "near" is given.
    for feature in features(client, "near=Berlin&radius_km=2000"):
        assert set(feature["properties"]) == PLACE_PROPERTIES | {"distance_km"}


def test_property_values(client: FlaskClient, world: World) -> None:
    [mitte] = [f for f in features(client) if f["properties"]["venue"] == "Brandenburger Tor"]
    venue = world.events["mitte"].venue
    assert mitte["id"] == venue.id
    assert mitte["properties"] == {
        "venue": "Brandenburger Tor",
        "city": "Berlin",
        "country": "DE",
        "event_count": 1,
        "cancelled_count": 0,
        "events": [
            {
                "title": "Rally at the Gate",
                "url": f"/events/{world.events['mitte'].slug}",
                "kind": "rally",
                "kind_label": "Rally",
                "cancelled": False,
                "starts_at": "2026-11-28T14:00+01:00",
                "when": "Saturday, November 28, 2026, 14:00–16:00 CET",
            }
        ],
        "events_url": f"/venues/{venue.id}/events.json",
    }
    by_title = event_properties(client)
    # Local time with its own offset at each venue.
    assert by_title["Rally in Toronto"]["starts_at"] == "2026-12-06T13:00-05:00"
    assert by_title["Vigil in Sydney"]["starts_at"] == "2026-12-07T19:00+11:00"
    assert by_title["March in Potsdam"]["kind_label"] == "March"


def test_a_places_events_url_carries_the_filters_that_choose_events(
    client: FlaskClient, world: World
) -> None:
    # Not bbox, near or radius: they choose places, and a place on the map is inside them.
    found = features(client, "kind=vigil&country=de&bbox=5,45,15,55&near=Berlin&radius_km=500")
    venue_id = world.events["dahlem"].venue.id
    [dahlem] = [f for f in found if f["id"] == venue_id]
    assert dahlem["properties"]["events_url"] == (
        f"/venues/{venue_id}/events.json?country=DE&kind=vigil"
    )


def test_nothing_private_is_in_the_document(client: FlaskClient, world: World) -> None:
    event = make_event(
        world.events["dahlem"].venue,
        organizer=world.organizer,
        title="Vigil with details",
        description="PRIVATE-DESCRIPTION-CANARY",
        contact_url="mailto:contact-canary@example.org",
        capacity=30,
    )
    body = client.get("/events.geojson").get_data(as_text=True)
    assert "Vigil with details" in body
    for secret in (
        "PRIVATE-DESCRIPTION-CANARY",
        "contact-canary",
        world.organizer.email,
        world.organizer.display_name,
        event.uid,
        "@",
    ):
        assert secret not in body, secret


def test_only_public_upcoming_events_with_a_position(client: FlaskClient, world: World) -> None:
    shown = titles(client)
    assert shown == world.titles(*BY_START)
    for hidden in ("Secret draft", "Vigil that is over", "Vigil without a position"):
        assert hidden not in shown


def test_cancelled_events_are_shown_and_flagged(client: FlaskClient, world: World) -> None:
    flags = {title: event["cancelled"] for title, event in event_properties(client).items()}
    assert flags.pop("Rally in Paris") is True
    assert set(flags.values()) == {False}
    cancelled = {
        f["properties"]["venue"]: f["properties"]["cancelled_count"] for f in features(client)
    }
    assert cancelled.pop("Place de la République") == 1
    assert set(cancelled.values()) == {0}


def test_a_recurring_event_is_one_marker_at_its_next_date(
    client: FlaskClient, world: World
) -> None:
    [hamburg] = [f for f in features(client) if f["properties"]["city"] == "Hamburg"]
    # The series began on 19 November; its next date is Thursday 26 November. It is one
    # event, however many dates it has.
    assert hamburg["properties"]["event_count"] == 1
    assert [e["starts_at"] for e in hamburg["properties"]["events"]] == ["2026-11-26T18:00+01:00"]
    later = event_properties(client, "from=2026-12-09")["Weekly vigil in Hamburg"]
    assert later["starts_at"] == "2026-12-10T18:00+01:00"


def test_an_event_that_ended_drops_off(client: FlaskClient, world: World) -> None:
    assert "Rally at the Gate" in titles(client)
    # Saturday 28 November 16:00 in Berlin is 15:00 UTC: an hour later it is over.
    clock.freeze(DEFAULT_NOW.replace(day=28, hour=16))
    assert "Rally at the Gate" not in titles(client)


@pytest.mark.parametrize("title", HOSTILE_TITLES + MORE_HOSTILE_TITLES)
def test_titles_come_back_byte_exact(client: FlaskClient, world: World, title: str) -> None:
    event = make_event(world.events["dahlem"].venue, organizer=world.organizer, title=title)
    response = client.get("/events.geojson")
    found = [
        e
        for f in json.loads(response.data)["features"]
        for e in f["properties"]["events"]
        if e["url"].endswith(event.slug)
    ]
    assert [e["title"] for e in found] == [title]
    # As text, not HTML: maps.js sets it with textContent, so no entity may appear.
    assert json.dumps(title, ensure_ascii=False)[1:-1].encode() in response.data
    if "<" in title and "&lt;" not in title:
        assert b"&lt;" not in response.data


# --- filters --------------------------------------------------------------------------------


FILTERS: list[tuple[str, list[str]]] = [
    ("country=DE", ["hamburg", "mitte", "dahlem", "potsdam"]),
    ("country=de", ["hamburg", "mitte", "dahlem", "potsdam"]),
    ("city=berlin", ["mitte", "dahlem"]),
    ("kind=march", ["potsdam"]),
    ("kind=rally", ["mitte", "paris", "toronto"]),
    ("country=DE&kind=vigil", ["hamburg", "dahlem"]),
    ("from=2026-12-05&to=2026-12-06", ["dahlem", "toronto"]),
    ("from=2026-12-11", ["potsdam", "hamburg"]),
    ("to=2026-11-27", ["hamburg"]),
    ("q=gate", ["mitte"]),
    ("q=POTSDAM", ["potsdam"]),
    ("q=Place%20de%20la", ["paris"]),
    ("q=%25", []),
    ("q=_", []),
    ("country=CA", ["toronto"]),
    ("country=IR", []),
    ("bbox=13,52,14,53", ["mitte", "dahlem", "potsdam"]),
    ("bbox=-180,-90,180,90", list(BY_START)),
    ("bbox=-80,43,-79,44", ["toronto"]),
    ("bbox=0,0,0.5,0.5", []),
    ("bbox=13,52,14,53&kind=march", ["potsdam"]),
    ("unknown=ignored", list(BY_START)),
    ("country=&city=&kind=&from=&to=&q=&bbox=&near=", list(BY_START)),
]


def test_filters(client: FlaskClient, world: World) -> None:
    wrong = {}
    for query, expected in FILTERS:
        shown = titles(client, query)
        if shown != world.titles(*expected):
            wrong[query] = shown
    assert wrong == {}


def test_a_box_across_the_antimeridian(client: FlaskClient, world: World) -> None:
    # West 170 > east -165: the view spans the date line, over Fiji and Samoa.
    assert titles(client, "bbox=170,-30,-165,0") == world.titles("suva", "apia")
    # Not the complement (the rest of the world between -165 and 170).
    assert titles(client, "bbox=-165,-40,170,0") == world.titles("sydney")
    assert titles(client, "bbox=179,-30,-179,0") == []


def test_near_sorts_by_distance_and_adds_it(client: FlaskClient, world: World) -> None:
    found = features(client, "near=Berlin&radius_km=50")
    assert [e["title"] for f in found for e in f["properties"]["events"]] == world.titles(
        "mitte", "dahlem", "potsdam"
    )
    for feature in found:
        longitude, latitude = feature["geometry"]["coordinates"]
        expected = distance_km(*BERLIN_CENTRE, latitude, longitude)
        assert feature["properties"]["distance_km"] == pytest.approx(expected, abs=0.06)
    distances = [f["properties"]["distance_km"] for f in found]
    assert distances == sorted(distances)
    assert distances[-1] <= 50


def test_near_with_a_position_and_a_larger_radius(client: FlaskClient, world: World) -> None:
    shown = titles(client, "near=52.52,13.40&radius_km=300")
    assert shown == world.titles("mitte", "dahlem", "potsdam", "hamburg")
    # Filters combine with near.
    assert titles(client, "near=52.52,13.40&radius_km=300&kind=vigil") == world.titles(
        "dahlem", "hamburg"
    )
    # Without a radius: 50 km.
    assert titles(client, "near=52.52,13.40") == world.titles("mitte", "dahlem", "potsdam")


def test_near_across_the_antimeridian(client: FlaskClient, world: World) -> None:
    # From just east of Suva, Apia (-171.8) is 1,004 km away across the date line.
    assert titles(client, "near=-18,179.9&radius_km=200") == world.titles("suva")
    assert titles(client, "near=-18,179.9&radius_km=1500") == world.titles("suva", "apia")
    assert titles(client, "near=-14,-171&radius_km=1500") == world.titles("apia", "suva")


def test_near_and_bbox_combine(client: FlaskClient, world: World) -> None:
    assert titles(client, "near=Berlin&radius_km=300&bbox=13.2,52.4,14,53") == world.titles(
        "mitte", "dahlem"
    )


def test_nothing_near_is_an_empty_collection(client: FlaskClient, world: World) -> None:
    assert get_geojson(client, "near=Tehran&radius_km=100") == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_no_events_is_an_empty_collection(client: FlaskClient, app: Any) -> None:
    assert get_geojson(client) == {"type": "FeatureCollection", "features": []}


def test_a_new_event_shows_at_once(client: FlaskClient, world: World) -> None:
    before = titles(client)
    # Saturday 28 November 15:00 in Berlin: after the rally at the Gate (14:00).
    one_more_event(world, "Brand-new vigil", days=3)
    # At the Dahlem embassy: that place now comes third, with both its events.
    hamburg, mitte, paris, dahlem, *rest = before
    assert titles(client) == [hamburg, mitte, "Brand-new vigil", dahlem, paris, *rest]


# --- bad input ------------------------------------------------------------------------------


@pytest.fixture
def dahlem(app: Any) -> Event:
    """One event, for tests of input handling that need no world."""
    return make_event(berlin_embassy(), title="Vigil in Dahlem")


BAD_QUERIES = [
    # bbox
    "bbox=1,2,3",
    "bbox=1,2,3,4,5",
    "bbox=1,2,3,",
    "bbox=,,,",
    "bbox=NaN,0,1,1",
    "bbox=0,nan,1,1",
    "bbox=inf,0,1,1",
    "bbox=0,0,Infinity,1",
    "bbox=-inf,0,1,1",
    "bbox=1e309,0,1,1",
    "bbox=0,0,1,1e2",
    "bbox=0x10,0,1,1",
    "bbox=0,91,1,92",
    "bbox=0,-91,1,1",
    "bbox=181,0,182,1",
    "bbox=-181,0,1,1",
    "bbox=0,10,1,5",  # south > north
    "bbox=west,south,east,north",
    "bbox=0;0;1;1",
    "bbox=0%2C5,0,1,1",  # a decimal comma
    "bbox=%D9%A1,0,1,1",  # an Arabic-Indic digit
    "bbox=0,0,1,1%00",
    "bbox=" + "1" * 200,
    "bbox=" + ",".join(["1." + "0" * 40] * 4),
    # dates
    "from=2026-13-40",
    "from=2026-02-30",
    "to=yesterday",
    "from=99999-01-01",
    "from=0001-01-01",
    "from=2026-12-10&to=2026-12-01",
    # places
    "country=XYZ",
    "country=ZZ",
    "kind=party",
    "city=" + "x" * 101,
    "city=Ber%00lin",
    "city=%E2%80%AEnilreB",
    "q=" + "x" * 101,
    "q=" + "x" * 100_000,
    # near
    "near=Atlantis-on-Spree",
    "near=91,0",
    "near=0,181",
    "near=NaN,5",
    "near=5,inf",
    "near=1e309,5",
    "near=52.5,13.4,7",
    "near=" + "x" * 101,
    "near=Berlin&radius_km=0",
    "near=Berlin&radius_km=2001",
    "near=Berlin&radius_km=abc",
    "near=Berlin&radius_km=-5",
    "near=Berlin&radius_km=1.5",
    "near=Berlin&radius_km=99999999999999999999999999",
    "radius_km=0",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_input_is_a_400_in_json(client: FlaskClient, dahlem: Event, query: str) -> None:
    response = client.get(f"/events.geojson?{query}")
    assert response.status_code == 400, query
    assert response.mimetype == "application/json"
    document: dict[str, Any] = json.loads(response.data)
    assert set(document) == {"error"}
    assert isinstance(document["error"], str)
    assert document["error"].startswith("Some filters are not valid")
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


def test_a_bad_request_is_not_cached_as_good(client: FlaskClient, world: World) -> None:
    for _ in range(2):
        assert client.get("/events.geojson?bbox=1,2,3").status_code == 400
    assert client.get("/events.geojson?bbox=1,2,3,4").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "bbox=-180,-90,180,90",
        "bbox=180,-90,-180,90",
        "bbox=0,0,0,0",
        "bbox=%201,2%20,3,4%20",
        "bbox=-0,-0.0,0.0000000001,1",
        "near=0,0&radius_km=1",
        "near=90,180&radius_km=2000",
        "near=-90,-180&radius_km=2000",
        "near=89.99,0&radius_km=2000",
        "near=0,180&radius_km=2000",
        "near=%20Berlin%20",
        "near=BERLIN",
        "from=2000-01-01&to=2100-12-31",
        "q=%27%22%3C%3E",
        "kind=",
        "bbox=1,2,3,4&bbox=x",  # the first value wins
    ],
)
def test_edge_values_are_accepted(client: FlaskClient, dahlem: Event, query: str) -> None:
    document = get_geojson(client, query)
    assert document["type"] == "FeatureCollection"


def test_a_moved_venue_moves_its_marker(client: FlaskClient, world: World) -> None:
    # The same query again after a commit: the cached answer must not outlive the data.
    assert "Vigil in Dahlem" in titles(client, "bbox=13,52,14,53")
    venue = world.events["dahlem"].venue
    venue.latitude, venue.longitude = 48.1374, 11.5755  # Munich
    db.session.commit()
    assert "Vigil in Dahlem" not in titles(client, "bbox=13,52,14,53")
    assert "Vigil in Dahlem" in titles(client, "bbox=11,48,12,49")
