"""iCalendar feeds: ``/calendar.ics`` with filters and one ``.ics`` per event."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from app.feeds import views  # noqa: E402,F401  (routes register on import)
