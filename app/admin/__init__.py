"""Admin area: organizers, invitations and the pinned statement."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import views  # noqa: E402,F401  (routes register on import)
