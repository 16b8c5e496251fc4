"""What the feed routes serve, and how it is cached (app.httpcache).

Each feed is rendered once per data change, filter set and language; the filtered
feed also once a day, as events drop out a week after their last date. The answer
to a conditional request (design/ical.md decision 11) needs neither the calendar
nor SQL. Never gzip (design/ical.md §2.6: no Content-Encoding on ``.ics``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from urllib.parse import urlencode

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from app.clock import now_utc
from app.events.filters import read_filters
from app.events.queries import get_public_event_or_404
from app.extensions import limiter
from app.feeds.forms import FeedFilterForm
from app.feeds.ical import EventText, FeedInfo, build_calendar
from app.feeds.names import feed_name
from app.feeds.queries import feed_events
from app.httpcache import Built, Kind
from app.models import Event
from app.urls import absolute_url
from app.venues.countries import place_line

# Clients poll every few hours; a proxy may keep a copy for 15 minutes.
CACHE_CONTROL = "public, max-age=900"
# Rendered feeds are keyed on the data generation, so they can be kept long.
RENDERED_FEED_SECONDS = 6 * 3600
# Last-Modified is when a feed first had its body (app.httpcache._first_served):
# not simply its newest LAST-MODIFIED, which goes back when an event leaves the feed.
CALENDAR = Kind(
    name="feed",
    content_type="text/calendar; charset=utf-8",
    cache_control=CACHE_CONTROL,
    period="%Y-%m-%d",
    seconds=RENDERED_FEED_SECONDS,
    dated=True,
)
# One event's download holds the event whatever the date: only data changes it.
EVENT_FILE = replace(CALENDAR, name="event-feed", period="")


def event_text(event: Event) -> EventText:
    """Summary, description and location of ``event`` in the page language."""
    summary = _("CANCELLED: %(title)s", title=event.title) if event.is_cancelled else event.title
    url = absolute_url("events.show", slug=event.slug)
    parts = [event.description] if event.description else []
    if event.is_cancelled and event.cancel_reason:
        parts.insert(0, _("Cancelled: %(reason)s", reason=event.cancel_reason))
    parts.append(url)
    return EventText(
        summary=summary,
        description="\n\n".join(parts),
        location=place_line(event.venue, str(get_locale())),
        url=url,
    )


def calendar(events: Sequence[Event], feed: FeedInfo) -> Built:
    """The calendar of ``events``, and the newest LAST-MODIFIED among them."""
    year = max((event.last_modified_at.year for event in events), default=2000)
    body = build_calendar([(event, event_text(event)) for event in events], feed, year=year)
    newest = max((event.last_modified_at for event in events), default=None)
    return Built(body, newest)


class FilteredCalendar:
    """/calendar.ics with this request's filters (an ``app.httpcache.Source``)."""

    @cached_property
    def form(self) -> FeedFilterForm:
        return read_filters(FeedFilterForm)

    def canonical(self) -> str:
        """The filters in one spelling; 400 if any is invalid."""
        return urlencode(self.form.canonical_args())

    def build(self) -> Built:
        """Query and render the feed: about 0.5 s at 1,000 events, so rate limited.

        Only requests the cache cannot answer count (``FEED_BUILD_RATE_LIMIT`` per
        client): a client varying the filters to force builds gets 429, a calendar
        app polling a feed never does.
        """
        with limiter.limit(lambda: current_app.config["FEED_BUILD_RATE_LIMIT"]):
            return self._build()

    def _build(self) -> Built:
        args = self.form.canonical_args()
        feed = FeedInfo(
            name=feed_name(self.form),
            description=_(
                "Rallies and vigils in solidarity with the political prisoners of Iran "
                "and the Woman, Life, Freedom movement."
            ),
            source_url=absolute_url("feeds.calendar", **args),
            page_url=absolute_url("events.index", **args),
        )
        return calendar(feed_events(self.form.filters(), now_utc()), feed)


class EventCalendar:
    """One public event's ``.ics`` download (an ``app.httpcache.Source``)."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def canonical(self) -> str:
        return f"event:{self.slug}"

    def build(self) -> Built:
        """The event's calendar; 404 for drafts and unknown slugs.

        Not rate limited: a build reads one event, and there is one document per
        public event and language (made-up query strings share it, app.httpcache).
        """
        found = get_public_event_or_404(self.slug, None)
        feed = FeedInfo(
            name=None,
            description=found.title,
            source_url=absolute_url("feeds.event", slug=found.slug),
            page_url=absolute_url("events.show", slug=found.slug),
        )
        return calendar([found], feed)
