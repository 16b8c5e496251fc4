"""Supporters' RSVPs: saying "I'll be there" without an account, and managing it.

Built on events (STYLE.md, "Layout"): app.events never imports this package.
``init_app`` connects it to the events' signals and pages.
"""

from flask import Blueprint, Flask

from app import pagecache
from app.models.rsvp import OutboxMessage, Rsvp

bp = Blueprint("rsvp", __name__)

from app.rsvp import notices, panels, receivers, views  # noqa: E402,F401  (routes register on import)
from app.rsvp.organize import bp as organize_bp  # noqa: E402

# The organizer's list of an event's RSVPs: /organize/events/<id>/rsvps (rsvp.organize.…).
bp.register_blueprint(organize_bp)


def init_app(app: Flask) -> None:
    """Build RSVPs on events in ``app``.

    Connects the receivers of event signals, mails queued notices once their
    transaction has committed, puts the RSVP box on event pages and links the
    organizer's pages of an event to its RSVP list. RSVP counts show only on the live
    pages (event pages) and notices on none: an RSVP rush leaves the rest of the page
    cache alone.
    """
    receivers.connect()
    notices.init_app(app)
    panels.register(app)
    pagecache.live_models(app, Rsvp)
    pagecache.ignore_models(app, OutboxMessage)
