"""Reading what the maps serve: the GeoJSON document, and the parts of a page."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

GEOJSON_TYPE = "application/geo+json"
# What a marker may tell the world about a place and its events (public
# fields only; one marker per place, with its first events).
PLACE_PROPERTIES = frozenset(
    {"venue", "city", "country", "event_count", "cancelled_count", "events", "events_url"}
)
EVENT_FIELDS = frozenset({"title", "url", "kind", "kind_label", "cancelled", "starts_at", "when"})


# --- /events.geojson ------------------------------------------------------------------------


def get_geojson(client: FlaskClient, query: str = "", **kwargs: Any) -> dict[str, Any]:
    """The decoded FeatureCollection at /events.geojson?``query`` (must be a 200)."""
    response = client.get(f"/events.geojson?{query}" if query else "/events.geojson", **kwargs)
    assert response.status_code == 200, (query, response.get_data(as_text=True))
    assert response.mimetype == GEOJSON_TYPE
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    document: dict[str, Any] = json.loads(body)
    return document


def features(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    """The features of the document at /events.geojson?``query``."""
    found: list[dict[str, Any]] = get_geojson(client, query)["features"]
    return found


def titles(client: FlaskClient, query: str = "") -> list[str]:
    """Titles of the events the markers list, place by place, in the order of the document."""
    return [event["title"] for event in listed_events(features(client, query))]


def listed_events(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events the features list (each place's first few), in document order."""
    return [event for feature in found for event in feature["properties"]["events"]]


def event_properties(client: FlaskClient, query: str = "") -> dict[str, dict[str, Any]]:
    """Each listed event's fields with its place's, by title."""
    return {
        event["title"]: {**event, "place": feature["properties"], "geometry": feature["geometry"]}
        for feature in features(client, query)
        for event in feature["properties"]["events"]
    }


def get_json(client: FlaskClient, url: str, **kwargs: Any) -> dict[str, Any]:
    """The decoded JSON at ``url`` (must be a 200, gzip or not)."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    document: dict[str, Any] = json.loads(body)
    return document


# --- pages ----------------------------------------------------------------------------------


class PageParts(HTMLParser):
    """Inline scripts (their exact text) and every attribute of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        # A JSON-LD block (app.previews) is data: it is neither run nor subject to the CSP.
        data_block = ("type", "application/ld+json") in attrs
        if tag == "script" and not data_block and not any(name == "src" for name, _value in attrs):
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def page_parts(html: str) -> PageParts:
    """The inline scripts and attributes of ``html``."""
    parser = PageParts()
    parser.feed(html)
    parser.close()
    return parser


def map_script(client: FlaskClient, html: str) -> str:
    """The script of the page's map: never inline (the CSP allows none), fetched from its
    own URL (/map.js, /map/picker.js), which must answer."""
    [src] = [
        v
        for t, n, v in page_parts(html).attributes
        if (t, n) == ("script", "src") and v.startswith("/map")
    ]
    response = client.get(src)
    assert response.status_code == 200, src
    assert response.mimetype == "text/javascript"
    return response.get_data(as_text=True)


def attribute(html: str, tag: str, name: str) -> list[str]:
    """Values of attribute ``name`` on every ``tag`` element of the page."""
    return [value for t, n, value in page_parts(html).attributes if (t, n) == (tag, name)]


def script_hash(source: str) -> str:
    """The CSP source expression that allows the inline script ``source``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} twice"
            directives[words[0]] = words[1:]
    return directives


_URL_IN_TEXT = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+", re.IGNORECASE)


def outside_urls(html: str, own_host: str = "localhost") -> list[str]:
    """URLs to another host in any attribute or inline script of the page."""
    parts = page_parts(html)
    found = []
    for _tag, _name, value in parts.attributes:
        netloc = urlsplit(value.strip()).netloc
        if netloc and netloc != own_host:
            found.append(value)
    for script in parts.inline_scripts:
        found.extend(
            url for url in _URL_IN_TEXT.findall(script) if urlsplit(url).netloc != own_host
        )
    return found


# h2 on /events (under its h1), h3 under a section's h2 (home, /map's nearest list).
_CARD_TITLE = re.compile(r"<h[23]><a [^>]*><bdi>(.*?)</bdi></a>", re.DOTALL)
_CARD_DISTANCE = re.compile(r'<p class="distance">(.*?)</p>', re.DOTALL)


def event_cards(html: str) -> list[tuple[str, str | None]]:
    """(title as HTML, "N km away" or None) of each event card, in page order."""
    found = []
    for card in html.split('<li class="event-card')[1:]:
        card = card.split("</li>", 1)[0]
        title = _CARD_TITLE.search(card)
        assert title, card
        distance = _CARD_DISTANCE.search(card)
        found.append((title.group(1), distance.group(1) if distance else None))
    return found
