"""Public pages of events: lists and details."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from app.events import views  # noqa: E402,F401  (routes register on import)
