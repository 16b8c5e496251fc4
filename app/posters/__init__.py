"""Printable posters (PDF) and share images (PNG) of events, rendered on the server."""

from flask import Blueprint, Flask

bp = Blueprint("posters", __name__)

from app.posters import panels, views  # noqa: E402,F401  (routes register on import)


def init_app(app: Flask) -> None:
    """Put the poster links on event pages (app.events.panels)."""
    panels.register(app)
