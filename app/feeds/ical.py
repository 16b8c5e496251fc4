"""Build iCalendar bytes from events, deterministically (design/ical.md §0).

The same events and feed settings always give the same bytes: UIDs are stored,
DTSTAMP is the event's LAST-MODIFIED, nothing depends on the current time, and
events and zones are sorted. That makes a strong ETag of the body meaningful.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDuration, vText
from icalendar import Event as VEvent
from icalendar.enums import STATUS, TRANSP

from app.feeds.vtimezone import IrregularZoneError, vtimezone
from app.models import Event, Repeat

PRODID = "-//Vigil//Vigil calendar feeds 1.0//EN"
# Fixed namespace for the calendar-level UID derived from a feed's URL.
FEED_NAMESPACE = uuid.UUID("0b6ac9a6-2f5d-4f6e-8c59-3a5d8e0a7c41")
REFRESH = timedelta(hours=6)
_FREQ = {Repeat.DAILY: "DAILY", Repeat.WEEKLY: "WEEKLY"}


@dataclass(frozen=True)
class EventText:
    """What a feed says about one event, in the reader's language."""

    summary: str
    description: str
    location: str
    url: str


@dataclass(frozen=True)
class FeedInfo:
    """Calendar-level properties; ``name`` None for a single-event download."""

    name: str | None
    description: str
    source_url: str
    page_url: str


def _zone_or_none(tzid: str, year: int) -> ZoneInfo | None:
    """The zone if we can describe it with a rule-based VTIMEZONE, else None (use UTC)."""
    try:
        vtimezone(tzid, year)
    except IrregularZoneError:
        return None
    return ZoneInfo(tzid)


def _vevent(event: Event, text: EventText, zone: ZoneInfo | None) -> VEvent:
    # Local wall times with TZID where the zone has a rule; UTC otherwise.
    def when(instant: datetime) -> datetime:
        return instant.astimezone(zone) if zone is not None else instant.astimezone(UTC)

    component = VEvent.new(
        uid=event.uid,
        stamp=event.last_modified_at,  # no METHOD: DTSTAMP is the last revision
        created=event.created_at,
        last_modified=event.last_modified_at,
        sequence=event.sequence,
        status=STATUS.CANCELLED if event.is_cancelled else STATUS.CONFIRMED,
        transparency=TRANSP.TRANSPARENT,
        summary=text.summary,
        description=text.description,
        location=text.location,
        url=text.url,
        start=when(event.starts_at),
        end=when(event.ends_at),
    )
    component.add("CLASS", "PUBLIC")
    component.add("CATEGORIES", [event.kind])
    venue = event.venue
    if venue.latitude is not None and venue.longitude is not None:
        component.add("GEO", (venue.latitude, venue.longitude))
    if event.is_recurring and event.repeat_until_on is not None:
        _add_recurrence(component, event, event.repeat_until_on, zone)
    return component


def _add_recurrence(component: VEvent, event: Event, until_on: date, zone: ZoneInfo | None) -> None:
    event_zone = ZoneInfo(event.timezone)
    start_wall = event.starts_at.astimezone(event_zone).replace(tzinfo=None)
    if zone is None:
        # No rule-based VTIMEZONE: list every date in UTC so DST cannot shift them.
        starts = {occurrence.starts_at for occurrence in event.occurrences}
        for start in sorted(starts - {event.starts_at}):
            component.add("RDATE", start.astimezone(UTC))
        if event.starts_at not in starts:  # the first date itself is skipped
            component.add("EXDATE", event.starts_at.astimezone(UTC))
        return
    # UNTIL in UTC: the last possible start (design/ical.md §3.3).
    last_wall = datetime.combine(until_on, start_wall.time())
    until = last_wall.replace(tzinfo=event_zone).astimezone(UTC)
    component.add("RRULE", {"FREQ": _FREQ[Repeat(event.repeat)], "UNTIL": until})
    for skip in event.skips:
        # EXDATE in exactly the form of DTSTART: same TZID, local wall time.
        component.add("EXDATE", datetime.combine(skip.occurs_on, start_wall.time(), tzinfo=zone))


def build_calendar(
    events: Sequence[tuple[Event, EventText]], feed: FeedInfo, *, year: int
) -> bytes:
    """Serialize ``events`` as one VCALENDAR.

    ``year`` chooses the zone rules written into VTIMEZONEs (pass the year of
    the data, not of today, so the bytes do not change on New Year's Day).
    """
    calendar = Calendar.new(
        prodid=PRODID,
        uid=str(uuid.uuid5(FEED_NAMESPACE, feed.source_url)),  # stable per feed
        url=feed.page_url,
        source=feed.source_url,
    )
    calendar.add("CALSCALE", "GREGORIAN")
    if events:
        calendar.add("LAST-MODIFIED", max(event.last_modified_at for event, _text in events))
    if feed.name is not None:
        # icalendar 7.3 writes NAME/X-WR-* verbatim; vText escapes them (ical.md §3.4).
        calendar["NAME"] = vText(feed.name)
        calendar["X-WR-CALNAME"] = vText(feed.name)
        calendar["X-WR-CALDESC"] = vText(feed.description)
        calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
        calendar["X-PUBLISHED-TTL"] = vDuration(REFRESH)
    calendar.add("DESCRIPTION", feed.description)

    zones = {event.timezone: _zone_or_none(event.timezone, year) for event, _text in events}
    for tzid in sorted(name for name, zone in zones.items() if zone is not None):
        calendar.add_component(vtimezone(tzid, year))
    if not events:
        # RFC 5545 wants at least one component; an empty feed still carries a zone.
        calendar.add_component(vtimezone("UTC", year))
    for event, text in sorted(events, key=lambda pair: pair[0].uid):
        calendar.add_component(_vevent(event, text, zones[event.timezone]))
    data: bytes = calendar.to_ical()
    return data
