"""The organizer area: an organizer's own events."""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")

from app.events.organize import views  # noqa: E402,F401  (routes register on import)
