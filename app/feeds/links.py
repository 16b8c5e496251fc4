"""Links for subscribing to feeds and adding one event to a calendar app.

Links to Google and Outlook are plain links the visitor chooses to follow;
nothing on our pages loads from those hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode

from flask import url_for

from app.models import Event
from app.urls import absolute_url

FEED_FILTERS = ("country", "city", "kind", "near", "radius_km")


@dataclass(frozen=True)
class SubscribeLinks:
    webcal: str
    https: str
    google: str


@dataclass(frozen=True)
class AddLinks:
    ics: str
    google: str
    outlook: str


def subscribe_links(args: dict[str, str]) -> SubscribeLinks:
    """Feed links for the feed filters among ``args`` (other list filters do not apply)."""
    kept = {key: args[key] for key in FEED_FILTERS if args.get(key)}
    https = absolute_url("feeds.calendar", **kept)
    webcal = "webcal://" + https.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal})
    return SubscribeLinks(webcal=webcal, https=https, google=google)


class Dated(Protocol):
    """One date of an event: an Occurrence, or a date of an RSVP on its confirmation page."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


def _utc(instant: datetime, fmt: str) -> str:
    return instant.astimezone(UTC).strftime(fmt)


def add_links(event: Event, occurrence: Dated, location: str) -> AddLinks:
    """Links that add the given date of ``event`` to Google or Outlook, and its .ics."""
    page = absolute_url("events.show", slug=event.slug)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": event.title,
            "dates": _utc(occurrence.starts_at, "%Y%m%dT%H%M%SZ")
            + "/"
            + _utc(occurrence.ends_at, "%Y%m%dT%H%M%SZ"),
            "details": page,
            "location": location,
            "ctz": event.timezone,
        }
    )
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + urlencode(
        {
            "subject": event.title,
            "startdt": _utc(occurrence.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
            "enddt": _utc(occurrence.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
            "body": page,
            "location": location,
            "path": "/calendar/action/compose",
            "rru": "addevent",
        }
    )
    return AddLinks(ics=url_for("feeds.event", slug=event.slug), google=google, outlook=outlook)
