"""Syndication: RSS and Atom feeds of the lists, and embeddable lists and maps."""

from flask import Blueprint, Flask

bp = Blueprint("syndication", __name__)

from app.syndication import panels, views  # noqa: E402,F401  (routes register on import)


def init_app(app: Flask) -> None:
    """Offer the list's feeds and embed snippets on /events (app.events.panels)."""
    panels.register(app)
