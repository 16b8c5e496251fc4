"""Supporters' RSVPs: saying "I'll be there" without an account, and managing it."""

from flask import Blueprint, Flask

bp = Blueprint("rsvp", __name__)

from app.rsvp import notices, receivers, views  # noqa: E402,F401  (routes register on import)


def init_app(app: Flask) -> None:
    """Build RSVPs on events: act on event signals, mail queued notices after the commit."""
    receivers.connect()
    notices.init_app(app)
