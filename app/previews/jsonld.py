"""schema.org ``Event`` data in JSON-LD, after Google's rules for event structured data.

Google's reference (developers.google.com/search/docs/appearance/structured-data/event):
required ``name``, ``startDate`` and ``location`` (a ``Place`` with an address);
recommended ``description``, ``endDate``, ``eventStatus``, ``eventAttendanceMode``,
``image``, ``organizer`` and ``offers``/``performer`` (neither fits a vigil). Times
are ISO 8601 with the venue's UTC offset at that date. A series is one ``Event`` per
date, as Google asks for recurring events; a cancelled date or event keeps its
``Event`` with ``EventCancelled``. ``EventRescheduled`` needs ``previousStartDate``,
which Vigil does not keep, so it is never claimed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from app.models import Event

SCHEMA = "https://schema.org"
SCHEDULED = f"{SCHEMA}/EventScheduled"
CANCELLED = f"{SCHEMA}/EventCancelled"
OFFLINE = f"{SCHEMA}/OfflineEventAttendanceMode"

# Characters that could end the <script> element or start markup in it (and the two
# line separators old JavaScript parsers choke on), written as JSON escapes: the
# parsed value is the same, the HTML parser sees none of them.
_HTML_UNSAFE = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


@dataclass(frozen=True)
class EventDate:
    """One date of an event as its page lists it (app.events.queries.DateLine)."""

    starts_at: datetime  # aware UTC
    ends_at: datetime
    cancelled: bool


def html_safe_json(data: Any) -> Markup:
    """``data`` as JSON that may stand inside an HTML ``<script>`` element as it is.

    No ``<``, ``>`` or ``&`` appears in the result (they only occur inside JSON
    strings, where ``\\u003c`` means the same), so no text can close the element or
    open a comment. Non-ASCII text (Persian) stays readable.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return Markup(text.translate(_HTML_UNSAFE))  # noqa: S704  (escaped just above)


def _place(event: Event) -> dict[str, Any]:
    venue = event.venue
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressLocality": venue.city,
        "addressCountry": venue.country_code,
    }
    if venue.address.strip():
        address["streetAddress"] = venue.address.strip()
    place: dict[str, Any] = {"@type": "Place", "name": venue.name, "address": address}
    if venue.latitude is not None and venue.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": venue.latitude,
            "longitude": venue.longitude,
        }
    return place


def event_documents(
    event: Event,
    dates: Sequence[EventDate],
    *,
    name: str,
    description: str,
    url: str,
    organizer: str,
    image: str | None,
) -> list[dict[str, Any]]:
    """One schema.org ``Event`` per date in ``dates`` (the event's own times if empty).

    Texts are given as plain text in their final form (``name``, ``description``,
    ``organizer``: the public "organized by" name); ``url`` and ``image`` are absolute.
    """
    shown = list(dates) or [EventDate(event.starts_at, event.ends_at, cancelled=False)]
    common: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": name,
        "url": url,
        "eventAttendanceMode": OFFLINE,
        "location": _place(event),
        "organizer": {"@type": "Organization", "name": organizer, "url": url},
    }
    if description:
        common["description"] = description
    if image is not None:
        common["image"] = [image]
    zone = event.zone
    documents = []
    for line in shown:
        cancelled = event.is_cancelled or line.cancelled
        documents.append(
            {
                **common,
                "startDate": line.starts_at.astimezone(zone).isoformat(),
                "endDate": line.ends_at.astimezone(zone).isoformat(),
                "eventStatus": CANCELLED if cancelled else SCHEDULED,
            }
        )
    return documents
