"""Supporters propose vigils ("Host a vigil at your consulate"); reviewers approve them.

Built on events (an approved proposal becomes an event through app.events.services)
and RSVPs (the host sees the counts); neither knows this package.
"""

from flask import Blueprint

bp = Blueprint("proposals", __name__)

from app.proposals import views  # noqa: E402,F401  (routes register on import)
from app.proposals.review import bp as review_bp  # noqa: E402

# The review queue: /admin/proposals (proposals.admin.…), for admins and reviewers.
bp.register_blueprint(review_bp)
