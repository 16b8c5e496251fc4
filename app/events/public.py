"""What the public is told about who organizes an event: never the account's name."""

from __future__ import annotations

from flask import current_app

from app.models import Event


def organized_by(event: Event) -> str:
    """The event's public "organized by" name: the one its organizer chose for it (a group
    or a pseudonym), else the site's name. The account's own name stays private."""
    chosen = (event.organized_by or "").strip()
    return chosen or str(current_app.config["SITE_NAME"])
