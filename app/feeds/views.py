"""Feed routes. Each feed is rendered once per data change, filter set and language.

The answer to a conditional request (design/ical.md decision 11) comes from the
cache without building the calendar and without any SQL: the cache key holds the
data generation (app.pagecache), which every commit replaces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.clock import now_utc
from app.events.queries import get_public_event_or_404, is_slug
from app.extensions import cache
from app.feeds import bp
from app.feeds.forms import FeedFilterForm
from app.feeds.ical import EventText, FeedInfo, build_calendar
from app.feeds.queries import feed_events
from app.models import Event
from app.pagecache import current_generation
from app.venues.countries import place_line

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Clients poll every few hours; a proxy may keep a copy for 15 minutes.
CACHE_CONTROL = "public, max-age=900"
# Rendered feeds are keyed on the data generation, so they can be kept long.
RENDERED_FEED_SECONDS = 6 * 3600


def event_text(event: Event) -> EventText:
    """Summary, description and location of ``event`` in the page language."""
    summary = _("CANCELLED: %(title)s", title=event.title) if event.is_cancelled else event.title
    url = url_for("events.show", slug=event.slug, _external=True)
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


def _first_served(feed: str, etag: str, newest: datetime | None) -> datetime:
    """When the feed ``feed`` first had the body ``etag``: its HTTP Last-Modified.

    Not simply the newest LAST-MODIFIED inside the body: that goes back in time when
    an event leaves the feed (unpublished, moved to another city, over), so clients
    that only send If-Modified-Since would get 304 for a changed feed.
    """
    key = f"feed-seen:{feed}"
    seen = cache.get(key)
    if isinstance(seen, dict) and seen.get("etag") == etag:
        first: datetime = seen["at"]
        return first
    first = max(now_utc(), newest) if newest is not None else now_utc()
    cache.set(key, {"etag": etag, "at": first}, timeout=4 * RENDERED_FEED_SECONDS)
    return first


def _not_modified(meta: dict[str, Any]) -> bool:
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is current."""
    if request.if_none_match:
        return request.if_none_match.contains(meta["etag"])
    since = request.if_modified_since
    return since is not None and meta["last_modified"].replace(microsecond=0) <= since


def _response(body: bytes | None, meta: dict[str, Any], disposition: str) -> BaseResponse:
    """The feed response; ``body`` None means 304 Not Modified."""
    response = Response(body or b"", content_type=CONTENT_TYPE)
    response.set_etag(meta["etag"])
    response.last_modified = meta["last_modified"]
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Content-Disposition"] = disposition
    # The body is in the visitor's language (cookie, else Accept-Language).
    response.vary.add("Accept-Language")
    if body is None:
        response.status_code = 304
        return response
    return response.make_conditional(request)


def _serve(
    key: str,
    feed: str,
    build: Callable[[], tuple[bytes, datetime | None]],
    disposition: str,
    alias: str | None = None,
) -> BaseResponse:
    """Serve the feed cached under ``key``, building it on a miss.

    A small entry (ETag, Last-Modified) answers conditional requests without reading
    the body (~700 kB for 1,000 events) from the cache. ``alias`` stores that entry
    under a second key too (see ``calendar``).
    """
    meta = cache.get(f"{key}:meta")
    if isinstance(meta, dict) and _not_modified(meta):
        return _response(None, meta, disposition)
    body = cache.get(f"{key}:body")
    if not isinstance(meta, dict) or not isinstance(body, bytes):
        body, newest = build()
        etag = hashlib.sha256(body).hexdigest()
        meta = {"etag": etag, "last_modified": _first_served(feed, etag, newest)}
        cache.set(f"{key}:body", body, timeout=RENDERED_FEED_SECONDS)
        cache.set(f"{key}:meta", meta, timeout=RENDERED_FEED_SECONDS)
    if alias is not None:
        cache.set(alias, meta, timeout=RENDERED_FEED_SECONDS)
    return _response(body, meta, disposition)


def _calendar(events: Sequence[Event], feed: FeedInfo) -> tuple[bytes, datetime | None]:
    year = max((event.last_modified_at.year for event in events), default=2000)
    body = build_calendar([(event, event_text(event)) for event in events], feed, year=year)
    last_modified = max((event.last_modified_at for event in events), default=None)
    return body, last_modified


@bp.get("/calendar.ics")
def calendar() -> BaseResponse:
    """All public rallies and vigils, filtered like /events, as a subscribable feed."""
    disposition = 'inline; filename="vigil.ics"'
    # Calendar apps poll with the same query string every time: its validators are
    # kept under the raw string, so a 304 needs neither the filter form nor SQL.
    version = f"{current_generation()}:{now_utc().date()}:{get_locale()}"
    alias = f"feed-raw:{version}:{request.query_string.decode('latin-1')}"
    if request.if_none_match or request.if_modified_since:
        meta = cache.get(alias)
        if isinstance(meta, dict) and _not_modified(meta):
            return _response(None, meta, disposition)
    form = FeedFilterForm(formdata=request.args)
    if not form.validate():
        abort(400, description=form.error_message())
    args = form.canonical_args()
    query = urlencode(args)
    feed_id = f"{get_locale()}:{query}"
    key = f"feed:{version}:{query}"

    def build() -> tuple[bytes, datetime | None]:
        source = url_for("feeds.calendar", _external=True, **args)
        page = url_for("events.index", _external=True, **args)
        feed = FeedInfo(
            name=_("Vigil: rallies and vigils for Iran's political prisoners"),
            description=_(
                "Rallies and vigils in solidarity with the political prisoners of Iran "
                "and the Woman, Life, Freedom movement."
            ),
            source_url=source,
            page_url=page,
        )
        return _calendar(feed_events(form.filters(), now_utc()), feed)

    return _serve(key, feed_id, build, disposition, alias=alias)


@bp.get("/events/<slug>.ics")
def event(slug: str) -> BaseResponse:
    """One event (a series with its skipped dates) as a download; 404 for drafts."""
    if not is_slug(slug):
        abort(404)
    feed_id = f"{get_locale()}:event:{slug}"
    key = f"feed:{current_generation()}:{feed_id}"

    def build() -> tuple[bytes, datetime | None]:
        found = get_public_event_or_404(slug, None)
        feed = FeedInfo(
            name=None,
            description=found.title,
            source_url=url_for("feeds.event", slug=found.slug, _external=True),
            page_url=url_for("events.show", slug=found.slug, _external=True),
        )
        return _calendar([found], feed)

    return _serve(key, feed_id, build, f'attachment; filename="{slug[:60]}.ics"')
