"""The host's mission picker: options that carry their positions, and the markup of the
search box and the "sort by distance" button that static/js/venue-filter.js brings to life
(it runs in tests/browser/test_picker.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_venue
from tests.proposals.helpers import hague_embassy
from tests.venues.picker import elements, picker_options

HOSTILE_NAME = 'Embassy "x" <b>bold</b> & co'


def test_each_mission_carries_its_name_and_known_position(app: Flask, client: FlaskClient) -> None:
    hague = hague_embassy()
    unplaced = make_venue(
        import_key="mission:Consulate of Iran, Nowhere",
        name="Consulate of Iran, Nowhere",
        city="Nowhere",
        latitude=None,
        longitude=None,
    )
    hostile = make_venue(import_key="mission:hostile", name=HOSTILE_NAME, city="Zurich")
    response = client.get("/campaign/host")
    html = response.get_data(as_text=True)
    choose, *missions = picker_options(html)
    # "Choose a mission…" first, with nothing to sort by.
    assert choose["value"] == ""
    assert not {"data-lat", "data-lon", "data-name"} & set(choose)
    by_id = {option["value"]: option for option in missions}
    assert set(by_id) == {str(hague.id), str(unplaced.id), str(hostile.id)}
    assert by_id[str(hague.id)]["data-lat"] == "52.09450"
    assert by_id[str(hague.id)]["data-lon"] == "4.29490"
    assert by_id[str(hague.id)]["data-name"] == "Embassy of Iran, The Hague"
    assert by_id[str(hague.id)]["label"] == "NL · The Hague · Embassy of Iran, The Hague"
    # A mission whose pin is not placed yet has a name and no position.
    assert by_id[str(unplaced.id)]["data-name"] == "Consulate of Iran, Nowhere"
    assert "data-lat" not in by_id[str(unplaced.id)]
    assert "data-lon" not in by_id[str(unplaced.id)]
    # A name is an escaped attribute value, never markup.
    assert by_id[str(hostile.id)]["data-name"] == HOSTILE_NAME
    assert "<b>bold</b>" not in html


def test_the_sort_button_is_there_hidden_until_the_script_shows_it(
    app: Flask, client: FlaskClient
) -> None:
    hague_embassy()
    html = client.get("/campaign/host").get_data(as_text=True)
    [wrapper] = elements(html, "div", class_="venue-filter")
    assert "hidden" in wrapper
    [button] = elements(html, "button", class_="venue-sort")
    assert button["type"] == "button"
    assert "hidden" in button
    assert button["aria-describedby"] == "venue-sort-hint"
    assert "Sort by distance from me" in html
    [hint] = elements(html, "p", id_="venue-sort-hint")
    assert "hidden" in hint
    [status] = elements(html, "p", class_="venue-sort-status")
    assert status["role"] == "status"
    assert status["aria-live"] == "polite"
    assert '<script src="/static/js/venue-filter.js"></script>' in html


@pytest.mark.parametrize("language", ["en", "de", "fa"])
def test_the_scripts_words_keep_their_placeholders(
    app: Flask, client: FlaskClient, language: str
) -> None:
    client.set_cookie("lang", language)
    html = client.get("/campaign/host").get_data(as_text=True)
    [wrapper] = elements(html, "div", class_="venue-filter")
    for name in ("data-label-distance", "data-label-sorted"):
        assert "{place}" in (wrapper[name] or ""), (language, name)
        assert "{km}" in (wrapper[name] or ""), (language, name)
    for name in ("data-label-unplaced", "data-label-not-shared"):
        assert wrapper[name], (language, name)


def test_only_the_form_page_may_ask_for_the_location(app: Flask, client: FlaskClient) -> None:
    policy = client.get("/campaign/host").headers["Permissions-Policy"]
    assert "geolocation=(self)" in policy
    assert "camera=()" in policy
    for path in ("/campaign/host/confirm", "/campaign/host/manage", "/campaign"):
        policy = client.get(path).headers["Permissions-Policy"]
        assert "geolocation=()" in policy, path
