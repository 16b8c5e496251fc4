"""Room on event pages for the features built on events, filled when the app is created.

Events know where their pages have room for another feature's part and nothing of
what fills it (STYLE.md, "Layout": those features register their panels). A
feature registers in its ``init_app``; registering the same thing again (one app
per test) changes nothing.

- A *page* (``EVENT_PAGE``, ``LIST_PAGE``, ``EVENT_FORM``) has named *slots*. A
  feature registers a panel for the page: a function that gets what the page
  knows (``EventPage``…) and returns HTML for some of its slots. The view calls
  ``render`` and the template writes each slot where it belongs, e.g.
  ``{{ panels.rsvp }}``.
- ``add_event_link``: a link from the organizer's pages of an event (its row in
  "My events", its edit page) to the feature's own page about it.
- ``add_event_column``: a column of the organizer's list of events (RSVP counts),
  filled for all its rows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, get_template_attribute
from markupsafe import Markup

from app.models import Event, Occurrence

_EXTENSION = "vigil_event_panels"

P = TypeVar("P")


@dataclass(frozen=True)
class EventPage:
    """What the public page of one event shows a panel."""

    event: Event
    occurrences: Sequence[Occurrence]  # the next dates shown, soonest first; may be empty
    place: str  # the venue's place line in the page's language


@dataclass(frozen=True)
class ListPage:
    """What the public list of events shows a panel: its filters (no page number)."""

    args: dict[str, str]


@dataclass(frozen=True)
class EventFormPage:
    """What the organizer's event form shows a panel."""

    event: Event | None  # None on the form for a new event
    latitude: float | None  # the position typed for "another address", if valid
    longitude: float | None
    latitude_field: str  # the ids of those two inputs
    longitude_field: str


@dataclass(frozen=True)
class EventLink:
    """A link to another feature's organizer page about one event."""

    label: str  # a lazy string (flask_babel.lazy_gettext): translated where it is shown
    endpoint: str  # takes ``event_id``


@dataclass(frozen=True)
class EventColumn:
    """A column of the organizer's list of events, filled by another feature."""

    label: str  # a lazy string, translated where it is shown
    # The cells of the events with these ids (text; an event left out gets an empty cell).
    # One call for the whole list: the feature reads them in one query, not one per row.
    cells: Callable[[Sequence[int]], Mapping[int, str]]


@dataclass
class _Registry:
    panels: dict[str, list[Callable[[Any], Mapping[str, Markup]]]] = field(default_factory=dict)
    links: list[EventLink] = field(default_factory=list)
    columns: list[EventColumn] = field(default_factory=list)


def _registry(app: Flask) -> _Registry:
    registry: _Registry = app.extensions.setdefault(_EXTENSION, _Registry())
    return registry


class Page(Generic[P]):
    """A kind of event page, with the slots other features may fill."""

    def __init__(self, name: str, slots: tuple[str, ...]) -> None:
        self.name = name
        self.slots = slots

    def register(self, app: Flask, panel: Callable[[P], Mapping[str, Markup]]) -> None:
        """Let ``panel`` fill slots of this page in ``app``: it returns HTML by slot name."""
        panels = _registry(app).panels.setdefault(self.name, [])
        if panel not in panels:
            panels.append(panel)

    def render(self, page: P) -> dict[str, Markup]:
        """Each slot's HTML from the current app's panels, in the order they were registered.

        A slot no panel fills is empty. Raises KeyError if a panel fills a slot this
        page does not have.
        """
        parts: dict[str, list[Markup]] = {slot: [] for slot in self.slots}
        for panel in _registry(current_app).panels.get(self.name, ()):
            for slot, html in panel(page).items():
                parts[slot].append(html)
        return {slot: Markup("").join(html) for slot, html in parts.items()}


# The public page of an event: inside "Where" after the address, the RSVP box (after
# the description and the safety note), add to calendar after it, more ways to pass
# the event on inside "Share", and the page's scripts.
EVENT_PAGE: Page[EventPage] = Page("event", ("where", "rsvp", "calendar", "share", "scripts"))
# The public list: its <head>, above the filter form, and between it and the count of dates.
LIST_PAGE: Page[ListPage] = Page("list", ("head", "before_filters", "before_count"))
# The organizer's form: the page's <head>, and the position fields of "another address".
EVENT_FORM: Page[EventFormPage] = Page("event_form", ("head", "position"))


def macro(template: str, name: str) -> Callable[..., Markup]:
    """The Jinja macro ``name`` of ``template``, for a panel to render its HTML with.

    A macro gets only its arguments and the app's template globals; calling it
    returns escaped HTML.
    """
    found: Callable[..., Markup] = get_template_attribute(template, name)
    return found


def add_event_link(app: Flask, label: str, endpoint: str) -> None:
    """Show a link labelled ``label`` to ``endpoint`` (which takes ``event_id``)."""
    links = _registry(app).links
    if all(link.endpoint != endpoint for link in links):
        links.append(EventLink(label=label, endpoint=endpoint))


def event_links() -> list[EventLink]:
    """The links registered in the current app, in the order they were added."""
    return list(_registry(current_app).links)


def add_event_column(
    app: Flask, label: str, cells: Callable[[Sequence[int]], Mapping[int, str]]
) -> None:
    """Add a column labelled ``label`` to the organizer's list; ``cells`` fills it."""
    columns = _registry(app).columns
    if all(column.cells is not cells for column in columns):
        columns.append(EventColumn(label=label, cells=cells))


def event_columns() -> list[EventColumn]:
    """The columns registered in the current app, in the order they were added."""
    return list(_registry(current_app).columns)
