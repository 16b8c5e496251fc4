"""Supporters' RSVPs: saying "I'll be there" without an account, and managing it."""

from flask import Blueprint

bp = Blueprint("rsvp", __name__)

from app.rsvp import views  # noqa: E402,F401  (routes register on import)
