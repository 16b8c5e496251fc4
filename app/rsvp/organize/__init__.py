"""The organizer's side of RSVPs, under /organize: one event's list and its CSV.

A child of the RSVP blueprint (endpoints ``rsvp.organize.…``), guarded like the
rest of /organize: every route needs an account and loads its event through
``get_owned_event_or_404``.
"""

from flask import Blueprint

from app.auth.guards import require_account

bp = Blueprint("organize", __name__, url_prefix="/organize")
bp.before_request(require_account)

from app.rsvp.organize import views  # noqa: E402,F401  (routes register on import)
