"""A read-only JSON API of public data: ``/api/v1/…`` (events, venues, the statement)."""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Nothing to connect yet: the API only reads."""
