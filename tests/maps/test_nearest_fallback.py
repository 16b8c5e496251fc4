"""/map with "near" and nothing near: the nearest event, and a map wide enough to show it."""

from __future__ import annotations

import re
from html import unescape

from flask.testing import FlaskClient

from tests.maps.conftest import World
from tests.maps.parsing import event_cards


def _map_script(body: str) -> str:
    match = re.search(r'<script src="(/map\.js[^"]*)"', body)
    assert match is not None
    return unescape(match.group(1))


def test_the_map_opens_wide_enough_for_the_nearest_event(client: FlaskClient, world: World) -> None:
    response = client.get("/map?near=Leipzig&radius_km=25")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "The nearest upcoming event is" in body
    assert [title for title, _ in event_cards(body)] == ["March in Potsdam"]
    assert re.search(r'<a class="wider" href="/map\?[^"]*radius_km=250', body)
    # Potsdam is ~120 km away: the map opens with 250 km around Leipzig, not 25.
    script = _map_script(body)
    assert "radius_km=250" in script
    assert client.get(script).status_code == 200


def test_beyond_the_largest_radius_the_map_still_fits(client: FlaskClient, world: World) -> None:
    body = client.get("/map?near=Tehran&radius_km=100").get_data(as_text=True)
    assert "The nearest upcoming event is" in body
    assert 'class="wider"' not in body  # ~3,500 km: no radius of the filter reaches it
    script = _map_script(body)
    assert "radius_km=5000" in script
    assert client.get(script).status_code == 200


def test_with_events_near_the_map_keeps_the_radius(client: FlaskClient, world: World) -> None:
    body = client.get("/map?near=Berlin").get_data(as_text=True)
    assert "The nearest upcoming event is" not in body
    assert "radius_km=50" in _map_script(body)


def test_a_bad_filter_on_the_map_shows_the_form_again(client: FlaskClient, world: World) -> None:
    response = client.get("/map?near=Berlinn")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'value="Berlinn"' in body
    assert '<p class="error" id="near-error">' in body
    assert re.search(
        r'<p class="suggestions">Did you mean:\s*<a href="/map\?[^"]*near=Berlin"', body
    )
