"""The map's markers as GeoJSON: public fields of public events, nothing about attendees."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from flask import url_for

from app.events.queries import Listing
from app.models import EventKind
from app.web import format_when, local_datetime


def feature_collection(listings: Sequence[Listing]) -> bytes:
    """A compact GeoJSON FeatureCollection (UTF-8), one Point per listing.

    Text is left as it is: the map's script only ever sets it as text
    (``textContent``), never as HTML.
    """
    # Each label looked up once per document, not once per marker.
    kinds = {kind: kind.label for kind in EventKind}
    # Slugs need no quoting ([a-z0-9-]), so one url_for serves every feature.
    page_prefix = url_for("events.show", slug="x")[:-1]
    features = [_feature(listing, kinds, page_prefix) for listing in listings]
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _feature(listing: Listing, kinds: dict[EventKind, str], page_prefix: str) -> dict[str, Any]:
    event, venue, occurrence = listing.event, listing.venue, listing.occurrence
    starts = local_datetime(occurrence.starts_at, event.timezone)
    properties: dict[str, Any] = {
        "title": event.title,
        "url": page_prefix + event.slug,
        "kind": event.kind,
        "kind_label": kinds[event.kind],
        "cancelled": event.is_cancelled,
        "starts_at": starts.isoformat(timespec="minutes"),
        "when": format_when(occurrence.starts_at, occurrence.ends_at, event.timezone),
        "venue": venue.name,
        "city": venue.city,
        "country": venue.country_code,
    }
    if listing.distance_km is not None:
        properties["distance_km"] = round(listing.distance_km, 1)
    # map_listings keeps only venues with a position. Five decimals: about a metre.
    point = [round(cast(float, venue.longitude), 5), round(cast(float, venue.latitude), 5)]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": point},
        "properties": properties,
    }
