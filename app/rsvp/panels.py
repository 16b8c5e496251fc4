"""RSVPs on the pages of app.events (app.events.panels): the RSVP box, the organizer's link."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.events.panels import EVENT_PAGE, EventPage, add_event_link, macro
from app.rsvp.forms import RsvpForm
from app.rsvp.queries import rsvp_panel


def _event_page(page: EventPage) -> dict[str, Markup]:
    """The count (unless hidden) and the form, or why the event takes no RSVPs.

    The page is the same for every anonymous visitor and cached (app.pagecache), so
    its form carries no CSRF token: a script fetches the visitor's own when the form
    is used, and a form sent without one comes back with it (app.rsvp.views.create).
    """
    panel = rsvp_panel(page.event)
    section = macro("rsvp/_panel.html", "rsvp_section")
    form = RsvpForm(meta={"csrf": False})
    slots = {"rsvp": section(page.event, panel, form)}
    if panel.is_open:
        slots["scripts"] = macro("rsvp/_form.html", "token_script")()
    return slots


def register(app: Flask) -> None:
    """Put the RSVP box on event pages and link the organizer's pages to the RSVP list."""
    EVENT_PAGE.register(app, _event_page)
    add_event_link(app, _l("RSVPs"), "rsvp.organize.index")
