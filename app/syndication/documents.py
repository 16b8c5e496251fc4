"""What /events.rss and /events.atom serve, and how it is cached (app.httpcache).

The same filters, ETag/304/HEAD rules and build rate limit as /calendar.ics
(app.feeds.documents): a feed is rendered once per data change, filter set,
language and hour (an event leaves the feed when its last date is over), and a
repeated or conditional request needs neither the filters nor SQL. Never gzip,
like the calendar feed: readers poll them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Literal
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]  # ships no types
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.clock import now_utc
from app.events.filters import read_filters
from app.events.public import organized_by
from app.events.queries import EventFilters, Listing
from app.extensions import limiter
from app.feeds.documents import CACHE_CONTROL
from app.feeds.forms import FeedFilterForm
from app.httpcache import Built, Kind
from app.syndication.queries import next_listings_by_event
from app.urls import absolute_url
from app.venues.countries import place_line
from app.web import format_when

Format = Literal["rss", "atom"]

RSS = Kind(
    name="rss",
    content_type="application/rss+xml; charset=utf-8",
    cache_control=CACHE_CONTROL,
    period="%Y%m%d%H",
    seconds=3600,
    dated=True,
    # Stored compressed and kept in each worker: a national feed is hundreds of kB.
    gzip_level=6,
    recent=8,
)
ATOM = replace(RSS, name="atom", content_type="application/atom+xml; charset=utf-8")
KINDS: dict[Format, Kind] = {"rss": RSS, "atom": ATOM}
ENDPOINTS: dict[Format, str] = {"rss": "syndication.rss", "atom": "syndication.atom"}


@dataclass(frozen=True)
class EntryText:
    """One event as a feed entry, in the page language: plain text, escaped by the writer."""

    title: str
    lines: tuple[str, ...]  # the summary, one fact a line

    @property
    def summary(self) -> str:
        return "\n".join(self.lines)

    @property
    def summary_html(self) -> str:
        """The summary as HTML (RSS descriptions are read as HTML): every line escaped."""
        return str(Markup("<br>\n").join(escape(line) for line in self.lines))


def entry_text(listing: Listing) -> EntryText:
    """Title and summary of ``listing``'s event: when (venue time and zone), where, who.

    A cancelled event keeps its entry, titled like the calendar feed's ("CANCELLED:
    …", app.feeds.documents) with the reason first in the summary.
    """
    event, occurrence = listing.event, listing.occurrence
    when = format_when(occurrence.starts_at, occurrence.ends_at, event.timezone, feed=True)
    lines = [
        _("When: %(when)s (%(zone)s)", when=when, zone=event.timezone),
        _("Where: %(place)s", place=place_line(listing.venue, str(get_locale()))),
        _("Organized by %(name)s", name=organized_by(event)),
    ]
    title = event.title
    if event.is_cancelled:
        title = _("CANCELLED: %(title)s", title=event.title)
        reason = event.cancel_reason
        lines.insert(
            0,
            _("Cancelled: %(reason)s", reason=reason) if reason else _("This event is cancelled."),
        )
    return EntryText(title=title, lines=tuple(xml_text(line) for line in lines))


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (a writer would raise on them).

    Form input never holds them (app.text); data imported by other means might.
    """
    return "".join(
        char
        for char in text
        if char in "\t\n\r"
        or ("\x20" <= char <= "\ud7ff")
        or ("\ue000" <= char <= "\ufffd")
        or char >= "\U00010000"
    )


def render_feed(
    listings: Sequence[Listing], kind: Format, args: dict[str, str], updated: datetime
) -> bytes:
    """The RSS 2.0 or Atom document of ``listings``; links absolute (VIGIL_BASE_URL).

    ``args`` are the canonical filters (the links carry them); ``updated`` dates an
    empty feed.
    """
    language = str(get_locale())
    generator = FeedGenerator()
    generator.load_extension("dc")
    self_url = absolute_url(ENDPOINTS[kind], **args)
    generator.id(self_url)
    generator.title(_("Vigil: rallies and vigils for Iran's political prisoners"))
    generator.description(
        _(
            "Rallies and vigils in solidarity with the political prisoners of Iran "
            "and the Woman, Life, Freedom movement."
        )
    )
    generator.link(href=self_url, rel="self")
    # feedgen makes the last link the RSS channel's <link>: the list page.
    generator.link(href=absolute_url("events.index", **args), rel="alternate")
    generator.language(language)
    newest = max((listing.event.last_modified_at for listing in listings), default=updated)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for listing in listings:
        event = listing.event
        text = entry_text(listing)
        # feedgen would put each new entry first: keep ours in the list's order.
        entry = generator.add_entry(order="append")
        entry.id(f"urn:uuid:{event.uid}")
        entry.title(xml_text(text.title))
        entry.link(href=absolute_url("events.show", slug=event.slug))
        entry.updated(event.last_modified_at)
        # RSS has no date of change: pubDate is when the item took its present form,
        # so a reader shows a cancellation or a move as new.
        entry.published(event.created_at if kind == "atom" else event.last_modified_at)
        if kind == "atom":
            entry.summary(text.summary, type="text")
            entry.author(name=xml_text(organized_by(event)))
        else:
            entry.description(text.summary_html)
            entry.dc.dc_creator(xml_text(organized_by(event)))
    if kind == "atom":
        body: bytes = generator.atom_str(pretty=True, encoding="UTF-8")
    else:
        body = generator.rss_str(pretty=True, encoding="UTF-8")
    return body


class FilteredFeed:
    """/events.rss or /events.atom with this request's filters (an ``app.httpcache.Source``)."""

    def __init__(self, kind: Format) -> None:
        self.kind: Format = kind

    @cached_property
    def form(self) -> FeedFilterForm:
        return read_filters(FeedFilterForm)

    def canonical(self) -> str:
        """The filters in one spelling; 400 if any is invalid."""
        return urlencode(self.form.canonical_args())

    def build(self) -> Built:
        """Query and render the feed, rate limited like the calendar feed.

        Only requests the cache cannot answer count (``FEED_BUILD_RATE_LIMIT`` per
        client, RSS and Atom together): a client varying the filters to force builds
        gets 429, a reader polling a feed never does.
        """
        limit = limiter.shared_limit(
            lambda: current_app.config["FEED_BUILD_RATE_LIMIT"], scope="syndication-feed-build"
        )
        with limit:
            return self._build()

    def _build(self) -> Built:
        form = self.form
        filters = EventFilters(
            country=form.country_code,
            city=form.city.data or None,
            kind=form.kind.data or None,
            near=form.near_point,
        )
        listings = next_listings_by_event(filters)
        # An empty feed is dated by the hour its document is kept for (Kind.period).
        hour = now_utc().replace(minute=0, second=0, microsecond=0)
        body = render_feed(listings, self.kind, form.canonical_args(), hour)
        newest = max((listing.event.last_modified_at for listing in listings), default=None)
        return Built(body, newest)
