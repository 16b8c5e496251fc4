"""Reading link previews out of a page, and Google's rules for event structured data.

``event_problems`` applies the rules of Google's event documentation
(developers.google.com/search/docs/appearance/structured-data/event): the
required properties, the recommended ones Vigil can always give, and ISO 8601
times with a UTC offset. tests/previews/test_validator.py shows it rejects
documents that break each rule, so a page that passes it means something.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from app.models import Event

SCHEMA = "https://schema.org"
STATUSES = {
    f"{SCHEMA}/EventScheduled",
    f"{SCHEMA}/EventCancelled",
    f"{SCHEMA}/EventPostponed",
    f"{SCHEMA}/EventRescheduled",
    f"{SCHEMA}/EventMovedOnline",
}
MODES = {
    f"{SCHEMA}/OfflineEventAttendanceMode",
    f"{SCHEMA}/OnlineEventAttendanceMode",
    f"{SCHEMA}/MixedEventAttendanceMode",
}


@dataclass
class Head:
    """What a page's HTML says to link previewers and crawlers."""

    meta: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    json_ld: list[str] = field(default_factory=list)  # the raw text of each block
    scripts: list[dict[str, str | None]] = field(default_factory=list)  # every <script>'s attrs

    def one(self, name: str) -> str:
        """The content of the only meta tag ``name`` (property or name); fails otherwise."""
        values = self.meta.get(name, [])
        assert len(values) == 1, f"{name}: {values}"
        return values[0]

    def og(self) -> dict[str, str]:
        """Every og:* and twitter:* tag (each must appear once) and robots."""
        keys = [k for k in self.meta if k.startswith(("og:", "twitter:")) or k == "robots"]
        return {key: self.one(key) for key in keys}

    def documents(self) -> list[dict[str, Any]]:
        """The JSON-LD objects of the page (a block may hold one object or a list)."""
        found: list[dict[str, Any]] = []
        for raw in self.json_ld:
            data = json.loads(raw)
            found.extend(data if isinstance(data, list) else [data])
        return found


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.head.meta[key].append(values.get("content") or "")
        elif tag == "link" and values.get("rel"):
            self.head.links[str(values["rel"])].append(values.get("href") or "")
        elif tag == "script":
            self.head.scripts.append(values)
            self._in_json_ld = values.get("type") == "application/ld+json"
            if self._in_json_ld:
                self.head.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.head.json_ld[-1] += data


def parse_head(html: str) -> Head:
    """The meta tags, links and JSON-LD blocks of ``html``, as a browser's parser splits it."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.head


def event_head(client: FlaskClient, event: Event, **kwargs: Any) -> Head:
    """The head of ``event``'s public page (``kwargs`` as for ``client.get``); it must be a 200."""
    response = client.get(f"/events/{event.slug}", **kwargs)
    assert response.status_code == 200
    return parse_head(response.get_data(as_text=True))


def _absolute(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _instant(doc: dict[str, Any], key: str, problems: list[str]) -> datetime | None:
    value = doc.get(key)
    if not isinstance(value, str) or "T" not in value:
        problems.append(f"{key}: not an ISO 8601 date and time: {value!r}")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{key}: not ISO 8601: {value!r}")
        return None
    if parsed.utcoffset() is None:
        problems.append(f"{key}: no UTC offset: {value!r}")
        return None
    return parsed


def _text(doc: dict[str, Any], key: str) -> bool:
    value = doc.get(key)
    return isinstance(value, str) and bool(value.strip())


def _location_problems(location: Any) -> list[str]:
    # An event people attend in person is at a Place (not a VirtualLocation).
    if not isinstance(location, dict) or location.get("@type") != "Place":
        return [f"location: not a Place: {location!r}"]
    problems = []
    address = location.get("address")
    if not _text(location, "name") and not address:
        problems.append("location: neither name nor address")
    if not isinstance(address, dict) or address.get("@type") != "PostalAddress":
        problems.append(f"location.address: not a PostalAddress: {address!r}")
    else:
        for key in ("addressLocality", "addressCountry"):
            if not _text(address, key):
                problems.append(f"location.address.{key}: missing")
    geo = location.get("geo")
    if not isinstance(geo, dict) or geo.get("@type") != "GeoCoordinates":
        problems.append(f"location.geo: not GeoCoordinates: {geo!r}")
    else:
        latitude, longitude = geo.get("latitude"), geo.get("longitude")
        if not isinstance(latitude, int | float) or not -90 <= latitude <= 90:
            problems.append(f"location.geo.latitude: {latitude!r}")
        if not isinstance(longitude, int | float) or not -180 <= longitude <= 180:
            problems.append(f"location.geo.longitude: {longitude!r}")
    return problems


def event_problems(doc: Any, *, image: bool = True, geo: bool = True) -> list[str]:
    """What is wrong with ``doc`` as a schema.org Event by Google's rules ([] if nothing).

    ``image``: the share image is expected (False while app.posters serves none);
    ``geo``: the venue has a position.
    """
    if not isinstance(doc, dict):
        return [f"not an object: {doc!r}"]
    problems: list[str] = []
    if doc.get("@context") not in (SCHEMA, "http://schema.org", f"{SCHEMA}/"):
        problems.append(f"@context: {doc.get('@context')!r}")
    if doc.get("@type") != "Event":
        problems.append(f"@type: {doc.get('@type')!r}")
    # Required.
    if not _text(doc, "name"):
        problems.append("name: missing")
    start = _instant(doc, "startDate", problems)
    location_problems = _location_problems(doc.get("location"))
    if not geo:
        location_problems = [p for p in location_problems if not p.startswith("location.geo")]
    problems.extend(location_problems)
    # Recommended.
    end = _instant(doc, "endDate", problems)
    if start is not None and end is not None and end < start:
        problems.append("endDate: before startDate")
    if not _text(doc, "description"):
        problems.append("description: missing")
    status = doc.get("eventStatus")
    if status not in STATUSES:
        problems.append(f"eventStatus: {status!r}")
    if status == f"{SCHEMA}/EventRescheduled" and "previousStartDate" not in doc:
        problems.append("eventStatus: EventRescheduled without previousStartDate")
    if doc.get("eventAttendanceMode") not in MODES:
        problems.append(f"eventAttendanceMode: {doc.get('eventAttendanceMode')!r}")
    images = doc.get("image")
    images = images if isinstance(images, list) else [images] if images is not None else []
    if image and (not images or not all(_absolute(url) for url in images)):
        problems.append(f"image: not absolute URLs: {doc.get('image')!r}")
    organizer = doc.get("organizer")
    if not isinstance(organizer, dict) or organizer.get("@type") not in ("Organization", "Person"):
        problems.append(f"organizer: {organizer!r}")
    else:
        if not _text(organizer, "name"):
            problems.append("organizer.name: missing")
        if not _absolute(organizer.get("url")):
            problems.append(f"organizer.url: {organizer.get('url')!r}")
    if not _absolute(doc.get("url")):
        problems.append(f"url: {doc.get('url')!r}")
    return problems
