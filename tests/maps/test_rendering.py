"""No text of ours runs as code inside folium's inline scripts (design/security.md §3.1).

folium writes tooltips and popups into JavaScript template literals: HTML escaping
leaves ``${…}``, backslashes and backticks, which run or break out of them, and a
CSP hash would bless whatever the script contains. So every name folium renders
goes through ``safe_text``, and the hash is computed over that output.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.maps.rendering import safe_text
from app.models import Venue
from tests.browser.conftest import HOSTILE_TITLES
from tests.conftest import signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, make_event, make_place, unplaced
from tests.maps.parsing import attribute, csp_directives, map_script, page_parts

# Characters that end, interpolate into or escape from a template literal or a script.
DANGEROUS = frozenset("<>`$\\\"'")
HOSTILE_NAMES = (
    *HOSTILE_TITLES,
    "${alert(1)}",
    "\\`",
    "\\\\`;alert(2);//",
    "`",
    "</script><script>alert(1)</script>",
    "</SCRIPT ><script>alert(3)</script >",
    "<!--<script>",
    "&lt;b&gt; is not bold",
    "Embassy ${document.cookie} of Iran\u200c",
)
PLACEHOLDER = "Placeholder name of the venue"


# --- safe_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<", "&lt;"),
        (">", "&gt;"),
        ("&", "&amp;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
        ("`", "&#96;"),
        ("$", "&#36;"),
        ("\\", "&#92;"),
        ("${alert(1)}", "&#36;{alert(1)}"),
        ("\\`", "&#92;&#96;"),
        ("</script>", "&lt;/script&gt;"),
        ("&#96;", "&amp;#96;"),
        ("Embassy of Iran, Berlin", "Embassy of Iran, Berlin"),
        ("همه\u200cی زندانیان", "همه\u200cی زندانیان"),
        ("Vigil 🕯️ (2026)", "Vigil 🕯️ (2026)"),
        ("", ""),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


@pytest.mark.parametrize("text", [*HOSTILE_NAMES, "".join(chr(c) for c in range(32, 127))])
def test_safe_text_is_inert_and_shows_the_text(text: str) -> None:
    safe = safe_text(text)
    assert not DANGEROUS & set(safe), safe
    # A browser shows exactly the original text.
    assert html.unescape(safe) == text
    # Only the dangerous characters and & change.
    assert re.sub(r"&[#a-z0-9]+;", "", safe) == re.sub(r"[<>`$\\\"'&]", "", text)


# --- the venue map of an event page ---------------------------------------------------------


_FOLIUM_ID = re.compile(r"\b(marker|tooltip|popup)_[0-9a-f]{32}\b")


def _berlin_venue(name: str) -> Venue:
    return make_place(name=name, address="Somewhere", latitude=52.5, longitude=13.4)


def _venue_page(client: FlaskClient, name: str, title: str = "Vigil") -> tuple[Any, str]:
    event = make_event(_berlin_venue(name), title=title)
    page = client.get(f"/events/{event.slug}")
    assert page.status_code == 200
    # The page itself runs no inline script: the map's comes from its own URL when opened.
    assert page_parts(page.get_data(as_text=True)).inline_scripts == []
    assert csp_directives(page.headers["Content-Security-Policy"])["script-src"] == ["'self'"]
    [url] = attribute(page.get_data(as_text=True), "div", "data-script")
    assert url == f"/events/{event.slug}/map.js"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    return page, response.get_data(as_text=True)


def _normalized(script: str, name: str) -> str:
    """The script with folium's random ids fixed and the safe name as a placeholder."""
    return _FOLIUM_ID.sub(r"\1_ID", script).replace(safe_text(name), "NAME")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_venue_name_is_only_text_in_the_script(
    client: FlaskClient, app: Any, name: str
) -> None:
    _plain_response, plain = _venue_page(client, PLACEHOLDER)
    response, script = _venue_page(client, name, title=f"Title {name}")

    # The name is there, as the tooltip, in its safe form only ...
    assert safe_text(name) in script
    # ... so the script is exactly the one of a plain name with the safe text in its place:
    # no character of the name reached it raw.
    assert _normalized(script, name) == _normalized(plain, PLACEHOLDER)
    for character in DANGEROUS & set(name):
        assert script.count(character) == plain.count(character), character
    assert "</script" not in script.lower()
    # Once, as the tooltip; the event title is not in the script at all.
    assert script.count(safe_text(name)) == 1
    assert "Title" not in script
    # Nor is the name anywhere in the page but as escaped text.
    assert name not in response.get_data(as_text=True) or name == html.escape(name)


def test_the_venue_map_frame(client: FlaskClient, app: Any) -> None:
    response, script = _venue_page(client, "Embassy of Iran, Berlin")
    page = response.get_data(as_text=True)
    assert attribute(page, "div", "data-map") == ["venue"]
    assert "var map_venue = L.map(" in script
    assert "center: [52.5, 13.4]" in script
    assert "bindTooltip(" in script
    assert ".bindPopup(" not in script  # popups are HTML by design: none here


def test_an_event_without_a_position_has_no_map(client: FlaskClient, app: Any) -> None:
    event = make_event(unplaced())
    response = client.get(f"/events/{event.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page_parts(page).inline_scripts == []
    assert "map-venue" not in page
    assert "leaflet.js" not in page
    assert csp_directives(response.headers["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_a_draft_venue_script_is_not_public(client: FlaskClient, app: Any) -> None:
    draft = make_event(_berlin_venue("Secret place"), publish=False)
    assert client.get(f"/events/{draft.slug}/map.js").status_code == 404
    assert client.get("/events/no-such-event/map.js").status_code == 404


# --- the organizer's position picker --------------------------------------------------------


def test_the_picker_map_script_is_at_its_own_url(client: FlaskClient, app: Any) -> None:
    signed_in(client)
    response = client.get("/organize/events/new")
    page = response.get_data(as_text=True)
    assert page_parts(page).inline_scripts == []
    assert "var map_picker = L.map(" in map_script(client, page)
    sources = csp_directives(response.headers["Content-Security-Policy"])["script-src"]
    assert sources == ["'self'"]
    assert attribute(page, "div", "data-map") == ["picker"]
    assert attribute(page, "div", "data-latitude-field") == ["venue_latitude"]
    assert attribute(page, "div", "data-longitude-field") == ["venue_longitude"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "centre"),
    [
        ("52.5", "13.4", "center: [52.5, 13.4]"),
        ("${alert(1)}", "13.4", "center: [25.0, 10.0]"),
        ("NaN", "NaN", "center: [25.0, 10.0]"),
        ("1e309", "0", "center: [25.0, 10.0]"),
        ("91", "0", "center: [25.0, 10.0]"),
        ("</script><script>alert(1)</script>", "0", "center: [25.0, 10.0]"),
    ],
)
def test_typed_positions_reach_the_picker_only_as_numbers(
    client: FlaskClient, app: Any, latitude: str, longitude: str, centre: str
) -> None:
    signed_in(client)
    place = berlin_embassy()
    form = event_form(
        place,
        title="",  # invalid: the form is shown again with the typed position
        venue="other",
        venue_name="Square",
        venue_city="Berlin",
        venue_country="DE",
        venue_latitude=latitude,
        venue_longitude=longitude,
        venue_timezone="Europe/Berlin",  # not derived: no timezonefinder needed
    )
    response = post_event(client, "/organize/events/new", form)
    assert response.status_code in {200, 400, 422}
    page = response.get_data(as_text=True)
    assert page_parts(page).inline_scripts == []
    script = map_script(client, page)
    assert centre in script
    assert "alert" not in script
    assert "NaN" not in script
    sources = csp_directives(response.headers["Content-Security-Policy"])["script-src"]
    assert sources == ["'self'"]


@pytest.mark.parametrize("path", ["/map.js", "/map/picker.js"])
@pytest.mark.parametrize(
    "query",
    ["?lat=abc&lon=1", "?lat=52.5", "?lat=91&lon=0", "?lat=NaN&lon=NaN", "?lat=1e309&lon=0"],
)
def test_a_map_script_refuses_a_bad_position_readably(
    client: FlaskClient, path: str, query: str
) -> None:
    response = client.get(path + query)
    assert response.status_code == 400
    assert "lat" in response.get_data(as_text=True)


def test_the_map_script_opens_where_asked(client: FlaskClient) -> None:
    script = client.get("/map.js?lat=52.5&lon=13.4&radius_km=10").get_data(as_text=True)
    assert "center: [52.5, 13.4]" in script
    assert client.get("/map.js?lat=52.5&lon=13.4&radius_km=0").status_code == 400
    assert "center: [25.0, 10.0]" in client.get("/map/picker.js").get_data(as_text=True)
