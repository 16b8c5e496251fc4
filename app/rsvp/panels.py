"""RSVPs on the pages of app.events (app.events.panels): the RSVP box, the organizer's link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from app.events.panels import EVENT_PAGE, EventPage, add_event_column, add_event_link, macro
from app.rsvp.forms import RsvpForm
from app.rsvp.queries import Attendance, attendance_by_event, rsvp_panel


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


def _people_cells(event_ids: Sequence[int]) -> Mapping[int, str]:
    """The organizer's list: people going (and waiting) per event, all dates added up."""
    found = attendance_by_event(event_ids)
    cells = {}
    for event_id in event_ids:
        counts = found.get(event_id, Attendance())
        cell = ngettext("%(num)d going", "%(num)d going", counts.going_people)
        if counts.waitlisted_people:
            cell += " · " + ngettext("%(num)d waiting", "%(num)d waiting", counts.waitlisted_people)
        cells[event_id] = cell
    return cells


def register(app: Flask) -> None:
    """Put the RSVP box on event pages, link the organizer's pages to the RSVP list and
    show the counts in the organizer's list of events."""
    EVENT_PAGE.register(app, _event_page)
    add_event_link(app, _l("RSVPs"), "rsvp.organize.index")
    add_event_column(app, _l("People (all dates)"), _people_cells)
