"""Public event routes."""

from __future__ import annotations

from app.events import bp


@bp.get("/events")
def index() -> str:
    return "events"
