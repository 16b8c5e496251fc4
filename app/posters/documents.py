"""What the poster routes serve, and how it is cached (app.httpcache).

A share image or poster is drawn once per data generation, language, event (and
paper size): the key holds the generation, which every data change replaces, so an
edited event gets a new one and nothing is ever stale. A repeated request, and every
304, needs neither SQL nor drawing. Not rate limited, as the event's ``.ics``: there is
one document per public event, language and size (made-up query strings share it).

Drafts and unknown slugs are 404 even for their organizer: the answer is cached for
everyone, so it can only be what everyone may see (app.events.queries).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from app.events.queries import get_public_event_or_404, upcoming_occurrences
from app.httpcache import Built, Kind
from app.models import Event, Repeat
from app.posters.render import Sheet, poster_pdf, printable, share_png
from app.urls import absolute_url
from app.venues.countries import place_line
from app.web import format_calendar_date, format_when, text_direction

# Link-preview crawlers and people fetch these; a proxy may keep one for 15 minutes.
CACHE_CONTROL = "public, max-age=900"
# Kept under the data generation, so they can be kept long.
RENDERED_SECONDS = 24 * 3600
SHARE_IMAGE = Kind(
    name="share-image",
    content_type="image/png",
    cache_control=CACHE_CONTROL,
    period="%Y-%m-%d",
    seconds=RENDERED_SECONDS,
    recent=8,
)
POSTER = Kind(
    name="poster",
    content_type="application/pdf",
    cache_control=CACHE_CONTROL,
    period="%Y-%m-%d",
    seconds=RENDERED_SECONDS,
)
DEFAULT_SIZE = "a4"


def sheet(event: Event) -> Sheet:
    """What the share image and poster of ``event`` say, in the page language."""
    locale = str(get_locale())
    # The next date (a series' first may be long past), and a series' rule as the event
    # page words it. The documents are kept per day (Kind.period), so the date moves on.
    upcoming = upcoming_occurrences(event, limit=1)
    starts_at, ends_at = (
        (upcoming[0].starts_at, upcoming[0].ends_at)
        if upcoming
        else (event.starts_at, event.ends_at)
    )
    when = [format_when(starts_at, ends_at, event.timezone)]
    if event.repeat_until_on is not None:
        until = format_calendar_date(event.repeat_until_on)
        if event.repeat == Repeat.WEEKLY:
            when.append(_("Every week until %(date)s", date=until))
        elif event.repeat == Repeat.DAILY:
            when.append(_("Every day until %(date)s", date=until))
    return Sheet(
        title=printable(event.title),
        banner=_("This event is cancelled.") if event.is_cancelled else "",
        when=[printable(line) for line in when],
        place=printable(place_line(event.venue, locale)),
        safety=_("You may be filmed. Think about covering your face; do not post others' faces."),
        site_name=printable(current_app.config["SITE_NAME"]),
        url=absolute_url("events.show", slug=event.slug),
        language=locale,
        rtl=text_direction() == "rtl",
    )


class ShareImage:
    """One public event's share image (an ``app.httpcache.Source``)."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def canonical(self) -> str:
        return f"share:{self.slug}"

    def build(self) -> Built:
        """The 1200×630 PNG; 404 for drafts and unknown slugs."""
        return Built(share_png(sheet(get_public_event_or_404(self.slug, None))))


class Poster:
    """One public event's poster on one paper size (an ``app.httpcache.Source``)."""

    def __init__(self, slug: str, size: str) -> None:
        self.slug = slug
        self.size = size

    def canonical(self) -> str:
        return f"poster:{self.slug}:{self.size}"

    def build(self) -> Built:
        """The one-page PDF; 404 for drafts and unknown slugs."""
        event = get_public_event_or_404(self.slug, None)
        return Built(poster_pdf(sheet(event), self.size, event.last_modified_at))
