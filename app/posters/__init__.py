"""Printable posters (PDF) and share images (PNG) of events, rendered on the server."""

from flask import Blueprint, Flask

bp = Blueprint("posters", __name__)


def init_app(app: Flask) -> None:
    """Nothing to connect yet."""
