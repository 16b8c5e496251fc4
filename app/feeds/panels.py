"""The feeds' parts of event pages (app.events.panels): add to calendar, subscribe."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from app.events.panels import EVENT_PAGE, LIST_PAGE, EventPage, ListPage, macro
from app.feeds.links import FEED_FILTERS, add_links, subscribe_links
from app.feeds.names import feed_name_of

_PANELS = "feeds/_panels.html"


def _event_page(page: EventPage) -> dict[str, Markup]:
    """Links that add the next date (or the .ics of all) to a calendar; none for drafts."""
    if not page.occurrences or page.event.is_draft:
        return {}
    links = add_links(page.event, page.occurrences[0], page.place)
    return {"calendar": macro(_PANELS, "add_to_calendar")(links)}


def _list_page(page: ListPage) -> dict[str, Markup]:
    """The feed of the listed events, with the filters a feed takes."""
    links = subscribe_links(page.args)
    name = feed_name_of({key: page.args[key] for key in FEED_FILTERS if page.args.get(key)})
    return {"before_count": macro(_PANELS, "subscribe_panel")(links, name)}


def register(app: Flask) -> None:
    """Put the feeds' links on the event pages of ``app``."""
    EVENT_PAGE.register(app, _event_page)
    LIST_PAGE.register(app, _list_page)
