"""The pinned campaign statement and the home page."""

from flask import Blueprint

bp = Blueprint("campaign", __name__)

from app.campaign import views  # noqa: E402,F401  (routes register on import)
