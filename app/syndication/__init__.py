"""Syndication: RSS and Atom feeds of the lists, and embeddable lists and maps."""

from flask import Blueprint, Flask

bp = Blueprint("syndication", __name__)


def init_app(app: Flask) -> None:
    """Nothing to connect yet."""
