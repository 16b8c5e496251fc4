"""Maps: the public map of rallies and vigils, its GeoJSON, and venue maps (folium)."""

from flask import Blueprint, Flask

bp = Blueprint("maps", __name__)

from app.maps import panels, views  # noqa: E402, F401  (routes register on import)


def init_app(app: Flask) -> None:
    """Put the maps on event pages (app.events.panels)."""
    panels.register(app)
