"""Feed routes: ``/calendar.ics`` with the list's place filters, one ``.ics`` per event.

What they serve and how it is cached: app.feeds.documents and app.httpcache.
"""

from __future__ import annotations

from flask import Response, abort

from app.events.queries import is_slug
from app.feeds import bp
from app.feeds.documents import CALENDAR, EVENT_FILE, EventCalendar, FilteredCalendar
from app.httpcache import serve


@bp.get("/calendar.ics")
def calendar() -> Response:
    """All public rallies and vigils, filtered like /events, as a subscribable feed."""
    return serve(
        CALENDAR, FilteredCalendar(), {"Content-Disposition": 'inline; filename="vigil.ics"'}
    )


@bp.get("/events/<slug>.ics")
def event(slug: str) -> Response:
    """One event (a series with its skipped dates) as a download; 404 for drafts."""
    if not is_slug(slug):
        abort(404)
    disposition = f'attachment; filename="{slug[:60]}.ics"'
    return serve(EVENT_FILE, EventCalendar(slug), {"Content-Disposition": disposition})
