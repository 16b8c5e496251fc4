"""The posters' part of event pages (app.events.panels): links to print a poster."""

from __future__ import annotations

from flask import Flask, url_for
from markupsafe import Markup

from app.events.panels import EVENT_PAGE, EventPage, macro


def _event_page(page: EventPage) -> dict[str, Markup]:
    """Links to the A4 and US Letter posters; none for drafts (they have no poster)."""
    if page.event.is_draft:
        return {}
    links = {
        size: url_for("posters.poster", slug=page.event.slug, size=size)
        for size in ("a4", "letter")
    }
    return {"share": macro("posters/_panels.html", "poster_links")(links)}


def register(app: Flask) -> None:
    """Put the poster links on the event pages of ``app``."""
    EVENT_PAGE.register(app, _event_page)
