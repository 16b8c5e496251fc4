"""Reading the feeds as calendar apps do: fetch, parse, expand the occurrences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import recurring_ical_events
from flask.testing import FlaskClient
from icalendar import Calendar
from icalendar import Event as VEvent


def get_feed(client: FlaskClient, url: str, **kwargs: Any) -> bytes:
    """The body of a 200 calendar answer from ``url`` (anything else fails the test)."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/calendar; charset=utf-8"
    data: bytes = response.data
    return data


def parse(body: bytes) -> Calendar:
    """The feed as icalendar reads it."""
    return Calendar.from_ical(body)


def vevents(body: bytes) -> dict[str, VEvent]:
    """The feed's VEVENTs by UID (each UID must occur once: no overrides in our model)."""
    found: dict[str, VEvent] = {}
    for component in parse(body).walk("VEVENT"):
        uid = str(component["UID"])
        assert uid not in found, f"UID {uid} twice"
        found[uid] = component
    return found


@dataclass(frozen=True)
class Seen:
    """One expanded occurrence: what a calendar app would show."""

    uid: str
    start: datetime  # UTC
    end: datetime  # UTC
    summary: str
    status: str


def occurrences(body: bytes, start: date, stop: date) -> list[Seen]:
    """Occurrences between ``start`` and ``stop`` as recurring-ical-events expands them."""
    found = []
    for component in recurring_ical_events.of(parse(body)).between(start, stop):
        begin = cast(datetime, component.decoded("DTSTART"))
        end = cast(datetime, component.decoded("DTEND"))
        assert begin.tzinfo is not None, "floating time"
        found.append(
            Seen(
                uid=str(component["UID"]),
                start=begin.astimezone(UTC),
                end=end.astimezone(UTC),
                summary=str(component["SUMMARY"]),
                status=str(component.get("STATUS", "")),
            )
        )
    return sorted(found, key=lambda seen: (seen.start, seen.uid))


def starts(body: bytes, uid: str, start: date, stop: date) -> list[datetime]:
    """UTC starts of the event ``uid`` between ``start`` and ``stop``."""
    return [seen.start for seen in occurrences(body, start, stop) if seen.uid == uid]


def physical_lines(body: bytes) -> list[bytes]:
    """The feed's lines as sent (folded), each of which must end with CRLF."""
    assert body.endswith(b"\r\n")
    return body[: -len(b"\r\n")].split(b"\r\n")
