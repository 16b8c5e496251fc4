"""iCalendar feeds: ``/calendar.ics`` with filters and one ``.ics`` per event."""

from flask import Blueprint, Flask

bp = Blueprint("feeds", __name__)

from app.feeds import panels, views  # noqa: E402,F401  (routes register on import)


def init_app(app: Flask) -> None:
    """Put the feeds' links on event pages (app.events.panels)."""
    panels.register(app)
