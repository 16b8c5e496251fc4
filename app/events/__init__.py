"""Public pages of events: lists and details."""

from flask import Blueprint, Flask

bp = Blueprint("events", __name__)

from app.events import services, views  # noqa: E402,F401  (routes register on import)
from app.venues.signals import venue_changed  # noqa: E402


def init_app(app: Flask) -> None:
    """Connect events to what the packages below them announce: a venue changed.

    Connecting again (one app per test) changes nothing.
    """
    venue_changed.connect(services.touch_events_at)
