"""RSVPs on the pages of app.events (app.events.panels): the RSVP box, the organizer's link."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.events.panels import EVENT_PAGE, EventPage, add_event_link, macro
from app.rsvp.forms import RsvpForm
from app.rsvp.queries import rsvp_panel


def _event_page(page: EventPage) -> dict[str, Markup]:
    """The count (unless hidden) and the form, or why the event takes no RSVPs."""
    section = macro("rsvp/_panel.html", "rsvp_section")
    return {"after_description": section(page.event, rsvp_panel(page.event), RsvpForm())}


def register(app: Flask) -> None:
    """Put the RSVP box on event pages and link the organizer's pages to the RSVP list."""
    EVENT_PAGE.register(app, _event_page)
    add_event_link(app, _l("RSVPs"), "rsvp.organize.index")
