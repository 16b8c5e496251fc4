"""JSON Schemas of what the API answers (OpenAPI 3.1 components, app.api.openapi).

Written beside app.api.documents, which builds the bodies: a field added there and
not here fails the schemathesis test (tests/api/test_openapi.py).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_TEXT: Schema = {"type": "string"}
_NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
_URL: Schema = {"type": "string", "format": "uri"}
_INSTANT: Schema = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the venue's UTC offset.",
}
_NEXT: Schema = {
    "type": ["string", "null"],
    "format": "uri",
    "description": "The next page (its cursor included); null on the last page.",
}


def _object(properties: Schema, **extra: Any) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


VENUE: Schema = _object(
    {
        "name": _TEXT,
        "address": _TEXT,
        "city": _TEXT,
        "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
    },
    description="Where an event takes place.",
)

_EVENT_FIELDS: Schema = {
    "slug": {"type": "string", "pattern": "^[a-z0-9-]{1,120}$"},
    "url": _URL,
    "title": _TEXT,
    "description": {"type": "string", "description": "Markdown."},
    "description_html": {"type": "string", "description": "The description as sanitised HTML."},
    "kind": {"type": "string", "enum": ["rally", "vigil", "march", "other"]},
    "status": {"type": "string", "enum": ["published", "cancelled"]},
    "cancel_reason": _NULLABLE_TEXT,
    "timezone": {"type": "string", "description": "The venue's IANA time zone."},
    "organized_by": {"type": "string", "description": "The public name of the organizers."},
    "venue": {"$ref": "#/components/schemas/Venue"},
    "ical_url": _URL,
}

LISTING: Schema = _object(
    {
        **_EVENT_FIELDS,
        "starts_at": _INSTANT,
        "ends_at": _INSTANT,
        "distance_km": {
            "type": ["number", "null"],
            "description": "Distance from `near`; null without it.",
        },
    },
    description="One upcoming date of a public event.",
)

DATE: Schema = _object(
    {
        "starts_at": _INSTANT,
        "ends_at": _INSTANT,
        "cancelled": {"type": "boolean"},
        "reason": _NULLABLE_TEXT,
    },
    description="A date of an event: held, or cancelled.",
)

EVENT: Schema = _object(
    {**_EVENT_FIELDS, "dates": {"type": "array", "items": {"$ref": "#/components/schemas/Date"}}},
    description="A public event with its upcoming dates and its cancelled ones.",
)

EVENT_PAGE: Schema = _object(
    {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Listing"}}, "next": _NEXT}
)

MISSION: Schema = _object(
    {
        "id": {"type": "integer"},
        **VENUE["properties"],
        "kind": {"type": "string", "enum": ["embassy", "consulate", "other"]},
        "mission_kind": _NULLABLE_TEXT,
        "status": {"type": "string", "enum": ["open", "closed", "unknown"]},
        "timezone": _TEXT,
    },
    description="An Iranian mission of the bundled list.",
)

VENUE_PAGE: Schema = _object(
    {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Mission"}}, "next": _NEXT}
)

STATEMENT: Schema = _object(
    {
        "title": _TEXT,
        "subtitle": _TEXT,
        "byline": _TEXT,
        "body": {"type": "string", "description": "Markdown."},
        "body_html": {"type": "string", "description": "The body as sanitised HTML."},
        "version_date": {"type": "string", "format": "date-time"},
        "url": _URL,
    },
    description="The pinned campaign statement.",
)

PROBLEM: Schema = _object(
    {
        "type": {"type": "string"},
        "title": _TEXT,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": _TEXT,
    },
    description="An error as RFC 9457 problem details.",
)

COMPONENTS: dict[str, Schema] = {
    "Venue": VENUE,
    "Listing": LISTING,
    "Date": DATE,
    "Event": EVENT,
    "EventPage": EVENT_PAGE,
    "Mission": MISSION,
    "VenuePage": VENUE_PAGE,
    "Statement": STATEMENT,
    "Problem": PROBLEM,
}
