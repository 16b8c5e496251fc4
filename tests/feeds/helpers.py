"""Shared helpers of the feed tests: venues in three zones, parsing, fixed identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import recurring_ical_events
from flask.testing import FlaskClient
from icalendar import Calendar
from icalendar import Event as VEvent

from app.events.services import EventInput
from app.extensions import db
from app.models import Event, EventStatus, Repeat, Venue
from tests.factories import make_venue


def berlin() -> Venue:
    return make_venue()


def toronto() -> Venue:
    return make_venue(
        import_key=None,
        name="Nathan Phillips Square",
        kind="other",
        address="100 Queen St W",
        city="Toronto",
        country_code="CA",
        latitude=43.6525,
        longitude=-79.3832,
        timezone="America/Toronto",
    )


def sydney() -> Venue:
    return make_venue(
        import_key="mission:Consulate General of Iran, Sydney",
        name="Consulate General of Iran, Sydney",
        kind="consulate",
        address="3 Eastbourne Rd, Darling Point",
        city="Sydney",
        country_code="AU",
        latitude=-33.8723,
        longitude=151.2386,
        timezone="Australia/Sydney",
    )


def fix_identity(event: Event, *, uid: str, slug: str) -> Event:
    """Give ``event`` a known UID and slug (the service draws random ones) and commit."""
    event.uid = uid
    event.slug = slug
    db.session.commit()
    return event


def event_input(event: Event, **changes: Any) -> EventInput:
    """The event's current fields as the edit form would send them, with ``changes``."""
    zone = event.zone
    values: dict[str, Any] = {
        "title": event.title,
        "description": event.description,
        "kind": event.kind,
        "venue": event.venue,
        "timezone": event.timezone,
        "starts_local": event.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_local": event.ends_at.astimezone(zone).replace(tzinfo=None),
        "repeat": Repeat(event.repeat),
        "repeat_until_on": event.repeat_until_on,
        "skip_dates": frozenset(skip.occurs_on for skip in event.skips),
        "capacity": event.capacity,
        "contact_url": event.contact_url,
        "publish": event.status != EventStatus.DRAFT,
    }
    values.update(changes)
    return EventInput(**values)


def get_feed(client: FlaskClient, url: str, **kwargs: Any) -> bytes:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/calendar; charset=utf-8"
    data: bytes = response.data
    return data


def parse(body: bytes) -> Calendar:
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
    assert body.endswith(b"\r\n")
    return body[: -len(b"\r\n")].split(b"\r\n")
