"""What the public page of an event says: who organizes it (never the account's name), in
which time zone its times are, where it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location, get_timezone_name
from babel.numbers import format_decimal
from flask import current_app

from app.models import Event, Venue


def organized_by(event: Event) -> str:
    """The event's public "organized by" name: the one its organizer chose for it (a group
    or a pseudonym), else the site's name. The account's own name stays private."""
    chosen = (event.organized_by or "").strip()
    return chosen or str(current_app.config["SITE_NAME"])


@dataclass(frozen=True)
class ZoneLabel:
    """How a page names the venue's time zone at one instant, in the page language.

    ``city`` is Babel's exemplar city of the zone ("Yerevan", fa "ایروان"), ``name``
    its specific name at that instant ("Central European Summer Time"), ``offset``
    the offset from UTC then ("UTC+4", "UTC+3:30"; digits in the page language).
    """

    city: str
    name: str
    offset: str
    starts_on: date  # the local date of the instant it was made for


def utc_offset(instant: datetime, locale: str) -> str:
    """The offset of the aware ``instant`` from UTC, e.g. "UTC+2", "UTC-3", "UTC+3:30"."""
    delta = instant.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    text = sign + format_decimal(hours, locale=locale)
    if rest:
        text += ":" + format_decimal(rest, format="00", locale=locale)
    return "UTC" + text


def zone_label(instant: datetime, zone: str, locale: str) -> ZoneLabel:
    """The venue zone's names and offset at the UTC ``instant`` (offsets change with DST)."""
    local = instant.astimezone(ZoneInfo(zone))
    return ZoneLabel(
        city=get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True),
        name=get_timezone_name(local, locale=locale),
        offset=utc_offset(local, locale),
        starts_on=local.date(),
    )


def zone_labels(instants: Sequence[datetime], zone: str, locale: str) -> list[ZoneLabel]:
    """The label at the first of ``instants`` (sorted), then one more at each change of offset.

    A weekly series over a year crosses two DST changes: the page says from which
    date the times are in summer or winter time.
    """
    labels: list[ZoneLabel] = []
    for instant in instants:
        label = zone_label(instant, zone, locale)
        if not labels or labels[-1].offset != label.offset:
            labels.append(label)
    return labels


def coordinates_text(venue: Venue) -> str | None:
    """ "52.4609,13.2998": the position with at most 5 decimals (about a metre), or None."""
    if venue.latitude is None or venue.longitude is None:
        return None

    def number(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".")

    return f"{number(venue.latitude)},{number(venue.longitude)}"


def geo_uri(venue: Venue) -> str | None:
    """A ``geo:`` URI (RFC 5870) of the venue's position for the visitor's maps app, or None.

    The maps app opens it on the device: nothing is loaded from any site until the
    visitor chooses to follow it. ``?q=`` asks Android apps to put a pin there.
    """
    position = coordinates_text(venue)
    return None if position is None else f"geo:{position}?q={position}"
