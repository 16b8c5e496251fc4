"""What an event card says beyond its facts: a series' rule in venue time.

A series is one card in every list ("Every Thursday, 18:00 CET · next: …"); its rule
is worded here from the date the card shows, so the card needs no query of its own.
"""

from __future__ import annotations

from babel.dates import format_date, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from app.events.queries import Listing
from app.models import Repeat


def repeat_line(listing: Listing) -> str | None:
    """ "Every Thursday, 18:00 CET" for a weekly series, "Every day, …" for a daily one;
    None for a single event. In the venue's wall time (STYLE.md rule 4)."""
    event = listing.event
    if not event.is_recurring:
        return None
    locale = get_locale()
    start = listing.occurrence.starts_at.astimezone(event.zone)
    clock = format_time(start.time(), format="HH:mm", locale=locale)
    zone = start.strftime("%Z")
    if event.repeat == Repeat.WEEKLY:
        weekday = format_date(start.date(), format="EEEE", locale=locale)
        weekly: str = _(
            "Every %(weekday)s, %(time)s %(zone)s", weekday=weekday, time=clock, zone=zone
        )
        return weekly
    daily: str = _("Every day, %(time)s %(zone)s", time=clock, zone=zone)
    return daily
