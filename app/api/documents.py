"""What the API routes serve, and how it is cached (app.httpcache).

Each answer is built once per data generation and request (the event lists also
once an hour, as events drop out once over); a repeated request needs no SQL, a
conditional one not even the document. Builds are rate limited per client
(``API_BUILD_RATE_LIMIT``); cached answers never are. Only public fields: no RSVP
data, no account data, no drafts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app
from flask_babel import gettext as _

from app.api.forms import EventQueryForm, VenueQueryForm, read_parameters
from app.api.queries import InvalidCursorError, listing_page, venue_page
from app.campaign.queries import pinned_statement
from app.events.public import organized_by
from app.events.queries import (
    DateLine,
    Listing,
    all_occurrences,
    date_lines,
    get_public_event_or_404,
)
from app.extensions import limiter
from app.httpcache import Built, Kind
from app.markdown import render_markdown
from app.models import Event, Venue
from app.urls import absolute_url

# A browser or proxy may reuse a copy this long; a 304 after that costs no SQL.
CACHE_CONTROL = "public, max-age=60"
JSON = "application/json"
# Lists lose events once they are over: a new key every hour.
EVENTS = Kind(
    name="api-events",
    content_type=JSON,
    cache_control=CACHE_CONTROL,
    period="%Y%m%d%H",
    gzip_level=6,
    recent=8,
    language=False,
)
EVENT = Kind(
    name="api-event",
    content_type=JSON,
    cache_control=CACHE_CONTROL,
    period="%Y%m%d%H",
    recent=8,
    language=False,
)
VENUES = Kind(
    name="api-venues",
    content_type=JSON,
    cache_control=CACHE_CONTROL,
    gzip_level=6,
    recent=4,
    language=False,
)
STATEMENT = Kind(
    name="api-statement", content_type=JSON, cache_control=CACHE_CONTROL, language=False
)


def to_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@contextmanager
def build_limit() -> Iterator[None]:
    """Count a build against the client's ``API_BUILD_RATE_LIMIT`` (429 when over)."""
    with limiter.limit(lambda: current_app.config["API_BUILD_RATE_LIMIT"], scope="api-build"):
        yield


def _local(moment: datetime, event: Event) -> str:
    return moment.astimezone(event.zone).isoformat()


def venue_fields(venue: Venue) -> dict[str, Any]:
    """The public fields of a venue, as an event shows it."""
    return {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "country_code": venue.country_code,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
    }


def event_fields(event: Event) -> dict[str, Any]:
    """The public fields of ``event`` (never its organizer's account, never RSVPs)."""
    return {
        "slug": event.slug,
        "url": absolute_url("events.show", slug=event.slug),
        "title": event.title,
        "description": event.description,
        "description_html": str(render_markdown(event.description)),
        "kind": event.kind.value,
        "status": event.status.value,
        "cancel_reason": event.cancel_reason if event.is_cancelled else None,
        "timezone": event.timezone,
        "organized_by": organized_by(event),
        "venue": venue_fields(event.venue),
        "ical_url": absolute_url("feeds.event", slug=event.slug),
    }


def listing_item(listing: Listing) -> dict[str, Any]:
    """One upcoming date of an event, as the list shows it."""
    event = listing.event
    return {
        **event_fields(event),
        "starts_at": _local(listing.occurrence.starts_at, event),
        "ends_at": _local(listing.occurrence.ends_at, event),
        "distance_km": None if listing.distance_km is None else round(listing.distance_km, 1),
    }


def date_item(line: DateLine, event: Event) -> dict[str, Any]:
    """One date of an event: held, or cancelled with its reason."""
    return {
        "starts_at": _local(line.starts_at, event),
        "ends_at": _local(line.ends_at, event),
        "cancelled": line.cancelled or event.is_cancelled,
        "reason": line.reason if line.cancelled else None,
    }


def venue_item(venue: Venue) -> dict[str, Any]:
    """A mission of the venue list."""
    return {
        "id": venue.id,
        **venue_fields(venue),
        "kind": venue.kind.value,
        "mission_kind": venue.mission_kind,
        "status": venue.status.value,
        "timezone": venue.timezone,
    }


class EventList:
    """/api/v1/events with this request's parameters (an ``app.httpcache.Source``)."""

    @cached_property
    def form(self) -> EventQueryForm:
        return read_parameters(EventQueryForm)

    def canonical(self) -> str:
        """The parameters in one spelling; 400 if any is invalid."""
        return urlencode(self.form.canonical_args())

    def build(self) -> Built:
        with build_limit():
            args = self.form.canonical_args()
            try:
                page = listing_page(self.form.filters(), self.form.after, self.form.page_size)
            except InvalidCursorError:
                abort(400, description=_("This cursor is not valid. Use the next link of a page."))
            following = None
            if page.next is not None:
                following = absolute_url("api.events", **{**args, "cursor": page.next.encode()})
            body = {
                "items": [listing_item(listing) for listing in page.items],
                "next": following,
            }
            return Built(to_json(body))


class OneEvent:
    """/api/v1/events/<slug> (an ``app.httpcache.Source``)."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def canonical(self) -> str:
        return self.slug

    def build(self) -> Built:
        """The event with every upcoming date and the cancelled ones; 404 for drafts."""
        with build_limit():
            event = get_public_event_or_404(self.slug, None)
            upcoming, _over = all_occurrences(event)
            lines = date_lines(event, upcoming, complete=True)
            body = {**event_fields(event), "dates": [date_item(line, event) for line in lines]}
            return Built(to_json(body))


class VenueList:
    """/api/v1/venues with this request's parameters (an ``app.httpcache.Source``)."""

    @cached_property
    def form(self) -> VenueQueryForm:
        return read_parameters(VenueQueryForm)

    def canonical(self) -> str:
        return urlencode(self.form.canonical_args())

    def build(self) -> Built:
        with build_limit():
            args = self.form.canonical_args()
            try:
                page = venue_page(self.form.country_code, self.form.after, self.form.page_size)
            except InvalidCursorError:
                abort(400, description=_("This cursor is not valid. Use the next link of a page."))
            following = None
            if page.next is not None:
                following = absolute_url("api.venues", **{**args, "cursor": page.next.encode()})
            body = {"items": [venue_item(venue) for venue in page.items], "next": following}
            return Built(to_json(body))


class Statement:
    """/api/v1/statement (an ``app.httpcache.Source``)."""

    def canonical(self) -> str:
        return "statement"

    def build(self) -> Built:
        """The pinned statement; 404 before one is pinned."""
        with build_limit():
            version = pinned_statement()
            if version is None:
                abort(404, description=_("No statement has been published yet."))
            body = {
                "title": version.title,
                "subtitle": version.subtitle,
                "byline": version.byline,
                "body": version.body,
                "body_html": str(render_markdown(version.body)),
                "version_date": version.created_at.astimezone(UTC).isoformat(),
                "url": absolute_url("campaign.statement"),
            }
            return Built(to_json(body))
