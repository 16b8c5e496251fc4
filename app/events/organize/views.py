"""Organizer routes."""

from __future__ import annotations

from app.events.organize import bp


@bp.get("/")
def index() -> str:
    return "organize"
