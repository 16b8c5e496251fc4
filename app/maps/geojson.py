"""The map's markers as GeoJSON, one per place: public fields of public events, nothing
about attendees; and one place's events as JSON (what a popup's "show all" fetches)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from flask import url_for

from app.events.queries import Listing
from app.maps.queries import Place
from app.models import EventKind, Venue
from app.web import format_when, local_datetime


class _Writer:
    """What every item of one document shares: labels and URL prefixes, looked up once."""

    def __init__(self) -> None:
        self.kinds = {kind: kind.label for kind in EventKind}
        # Slugs need no quoting ([a-z0-9-]), so one url_for serves every event.
        self.page_prefix = url_for("events.show", slug="x")[:-1]

    def event(self, listing: Listing) -> dict[str, Any]:
        """One event at its next date, as a popup lists it."""
        event, occurrence = listing.event, listing.occurrence
        starts = local_datetime(occurrence.starts_at, event.timezone)
        return {
            "title": event.title,
            "url": self.page_prefix + event.slug,
            "kind": event.kind,
            "kind_label": self.kinds[event.kind],
            "cancelled": event.is_cancelled,
            "starts_at": starts.isoformat(timespec="minutes"),
            "when": format_when(occurrence.starts_at, occurrence.ends_at, event.timezone),
        }


def _venue(venue: Venue) -> dict[str, Any]:
    return {"venue": venue.name, "city": venue.city, "country": venue.country_code}


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def feature_collection(places: Sequence[Place], events_args: dict[str, Any]) -> bytes:
    """A compact GeoJSON FeatureCollection (UTF-8), one Point per place.

    Each feature's ``events`` are the place's first events; ``events_url`` gives all
    of them with the same filters (``events_args``). Text is left as it is: the
    map's script only ever sets it as text (``textContent``), never as HTML.
    """
    writer = _Writer()
    features = [_feature(place, writer, events_args) for place in places]
    return _encode({"type": "FeatureCollection", "features": features})


def _feature(place: Place, writer: _Writer, events_args: dict[str, Any]) -> dict[str, Any]:
    venue = place.venue
    properties: dict[str, Any] = {
        **_venue(venue),
        "event_count": place.event_count,
        "cancelled_count": place.cancelled_count,
        "events": [writer.event(listing) for listing in place.listings],
        "events_url": url_for("maps.venue_events", venue_id=venue.id, **events_args),
    }
    if place.distance_km is not None:
        properties["distance_km"] = round(place.distance_km, 1)
    # map_places keeps only venues with a position. Five decimals: about a metre.
    point = [round(cast(float, venue.longitude), 5), round(cast(float, venue.latitude), 5)]
    return {
        "type": "Feature",
        "id": venue.id,
        "geometry": {"type": "Point", "coordinates": point},
        "properties": properties,
    }


def venue_events(venue: Venue, listings: Sequence[Listing], total: int) -> bytes:
    """One place's events (``listings``, soonest first) and how many match in all (UTF-8 JSON).

    ``event_count`` may exceed the events listed (app.maps.queries.VENUE_EVENTS_MAX).
    """
    writer = _Writer()
    return _encode(
        {
            "id": venue.id,
            **_venue(venue),
            "event_count": total,
            "events": [writer.event(listing) for listing in listings],
        }
    )
