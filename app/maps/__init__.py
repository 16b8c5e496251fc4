"""Maps: the public map of rallies and vigils, its GeoJSON, and venue maps (folium)."""

from flask import Blueprint

bp = Blueprint("maps", __name__)

from app.maps import views  # noqa: E402, F401  (routes register on import)
