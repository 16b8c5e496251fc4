"""Admin routes."""

from __future__ import annotations

from app.admin import bp


@bp.get("/organizers")
def organizers() -> str:
    return "admin"
