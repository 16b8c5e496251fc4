"""The list filters (app.events.filters): one way to read them, one spelling of each.

``canonical_args()`` names cached documents (feeds, GeoJSON), so a filter it left
out would let two different lists share one cache entry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import BadRequest

from app.events.filters import NOT_FILTERS, FilterForm, PlaceFilterForm, read_filters
from app.feeds.forms import FeedFilterForm
from app.maps.forms import MapFilterForm

# A valid value for every filter any of the forms has.
VALID = {
    "country": "DE",
    "city": "Berlin",
    "kind": "vigil",
    "near": "Berlin",
    "radius_km": "25",
    "q": "embassy",
    "from": "2026-12-01",
    "to": "2026-12-31",
    "bbox": "13,52,14,53",
}
# Another valid value, meaning something else, for each of them.
OTHER = {
    "country": "FR",
    "city": "Paris",
    "kind": "rally",
    "near": "Hamburg",
    "radius_km": "100",
    "q": "square",
    "from": "2026-12-02",
    "to": "2026-12-30",
    "bbox": "12,51,14,53",
}
FORMS = [FilterForm, FeedFilterForm, MapFilterForm]


def _read(app: Flask, form_class: type[PlaceFilterForm], args: dict[str, str]) -> Any:
    with app.test_request_context(f"/?{urlencode(args)}"):
        return read_filters(form_class)


@pytest.mark.parametrize("form_class", FORMS)
def test_canonical_args_hold_every_filter(app: Flask, form_class: type[PlaceFilterForm]) -> None:
    form = _read(app, form_class, VALID)
    filters = {field.name for field in form} - NOT_FILTERS
    assert set(form.canonical_args()) == filters
    assert form.canonical_args() == {name: VALID[name] for name in filters}


@pytest.mark.parametrize("form_class", FORMS)
def test_each_filter_changes_the_key(app: Flask, form_class: type[PlaceFilterForm]) -> None:
    key = _read(app, form_class, VALID).canonical_args()
    for name in {field.name for field in _read(app, form_class, VALID)} - NOT_FILTERS:
        other = _read(app, form_class, {**VALID, name: OTHER[name]}).canonical_args()
        assert other != key, name


def test_search_and_dates_are_in_the_key_of_the_list_filters(app: Flask) -> None:
    # The bug this guards: FilterForm inherited a key without q, from and to.
    keys = [
        _read(app, FilterForm, args).canonical_args()
        for args in (
            {"q": "embassy"},
            {"q": "square"},
            {"from": "2026-12-01"},
            {"to": "2026-12-31"},
        )
    ]
    assert len({urlencode(key) for key in keys}) == len(keys)


def test_spellings_that_mean_the_same_share_a_key(app: Flask) -> None:
    same = [
        {"country": "de", "kind": "vigil"},
        {"kind": "vigil", "country": "DE", "city": "", "junk": "1"},
        {"country": "DE", "kind": "vigil", "radius_km": "300", "page": "3"},
    ]
    keys = {urlencode(_read(app, FilterForm, args).canonical_args()) for args in same}
    assert keys == {"country=DE&kind=vigil"}
    # A map area that does not parse is an error, not a missing filter.
    with pytest.raises(BadRequest):
        _read(app, MapFilterForm, {"bbox": "1,2,3"})


@pytest.mark.parametrize(
    ("near", "radius", "key"),
    [
        ("52.5200,13.4050", "30", "near=52.52%2C13.40&radius_km=50"),
        (" 52.52449 , 13.40449", "", "near=52.52%2C13.40&radius_km=50"),
        ("52.516,13.404", "1", "near=52.52%2C13.40&radius_km=5"),
        ("-0.001,0.001", "2000", "near=0.00%2C0.00&radius_km=2000"),
        ("Berlin", "26", "near=Berlin&radius_km=50"),
    ],
)
def test_near_is_rounded_and_the_radius_widened_to_a_step(
    app: Flask, near: str, radius: str, key: str
) -> None:
    # Each made-up position or radius would otherwise be a document of its own.
    form = _read(app, FilterForm, {"near": near, "radius_km": radius})
    assert urlencode(form.canonical_args()) == key
    # The list is filtered on the values in the key, and the form shows them.
    assert form.near_point is not None
    assert form.near_point.radius_km == int(form.radius_km.data)
    assert form.radius_km._value() == str(form.near_point.radius_km)
    if near != "Berlin":
        position = f"{form.near_point.latitude:.2f},{form.near_point.longitude:.2f}"
        assert form.near.data == position == form.canonical_args()["near"]


@pytest.mark.parametrize("url", ["/events.geojson", "/calendar.ics"])
def test_every_document_answers_bad_filters_with_the_same_readable_400(
    client: FlaskClient, url: str
) -> None:
    response = client.get(f"{url}?country=XYZ&radius_km=0")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Some filters are not valid: Country, Radius (km)." in text


@pytest.mark.parametrize("url", ["/events", "/map"])
def test_every_page_shows_bad_filters_in_its_form(client: FlaskClient, url: str) -> None:
    response = client.get(f"{url}?country=XYZ&radius_km=0&near=Berlin")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert '<p class="error" id="country-error">' in text
    assert "“XYZ” is not a country we know. Choose one from the list." in text
    assert '<p class="error" id="radius_km-error">' in text
    assert "Enter a radius in whole kilometres from 1 to 2000." in text
    assert 'value="Berlin"' in text
