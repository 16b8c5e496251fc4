"""The test's event validator itself: it passes a good document and fails each broken one."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.previews.parsing import event_problems, parse_head

GOOD: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "Event",
    "name": "Vigil for the prisoners",
    "startDate": "2026-12-05T15:00:00+01:00",
    "endDate": "2026-12-05T17:00:00+01:00",
    "eventStatus": "https://schema.org/EventScheduled",
    "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
    "description": "Bring candles.",
    "image": ["https://vigil.example.org/events/x/share.png"],
    "url": "https://vigil.example.org/events/x",
    "organizer": {"@type": "Organization", "name": "Friends", "url": "https://vigil.example.org/"},
    "location": {
        "@type": "Place",
        "name": "Embassy",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Podbielskiallee 65",
            "addressLocality": "Berlin",
            "addressCountry": "DE",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 52.46, "longitude": 13.3},
    },
}


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        *path, last = key.split(".")
        for part in path:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value

    return change


def test_a_complete_document_passes() -> None:
    assert event_problems(GOOD) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_set("name", None), "name"),
        (_set("name", "  "), "name"),
        (_set("@type", "Place"), "@type"),
        (_set("startDate", None), "startDate"),
        (_set("startDate", "2026-12-05T15:00:00"), "startDate: no UTC offset"),
        (_set("startDate", "2026-12-05"), "startDate"),
        (_set("startDate", "5 December 2026 15:00 CET"), "startDate"),
        (_set("endDate", "2026-12-05T17:00:00"), "endDate: no UTC offset"),
        (_set("endDate", "2026-12-05T14:00:00+01:00"), "endDate: before startDate"),
        (_set("location", None), "location"),
        (_set("location", {"@type": "VirtualLocation", "url": "https://x.example/"}), "location"),
        (_set("location.address.addressCountry", None), "addressCountry"),
        (_set("location.geo", None), "location.geo"),
        (_set("location.geo.latitude", 123.0), "latitude"),
        (_set("description", None), "description"),
        (_set("eventStatus", "Scheduled"), "eventStatus"),
        (_set("eventStatus", "https://schema.org/EventRescheduled"), "previousStartDate"),
        (_set("eventAttendanceMode", None), "eventAttendanceMode"),
        (_set("image", None), "image"),
        (_set("image", ["/events/x/share.png"]), "image"),
        (_set("organizer", None), "organizer"),
        (_set("organizer.name", ""), "organizer.name"),
        (_set("organizer.url", None), "organizer.url"),
        (_set("url", "/events/x"), "url"),
    ],
)
def test_each_broken_rule_is_reported(
    change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    doc = copy.deepcopy(GOOD)
    change(doc)
    problems = event_problems(doc)
    assert any(problem in found for found in problems), problems


def test_a_broken_page_is_caught_by_the_parser() -> None:
    # A title that ended the script early would leave JSON that does not parse.
    html = (
        '<head><script type="application/ld+json">{"name": "</script>'
        '<script>alert(1)</script>"}</script></head>'
    )
    head = parse_head(html)
    assert head.json_ld == ['{"name": "']
    with pytest.raises(ValueError, match="Unterminated string"):
        head.documents()
