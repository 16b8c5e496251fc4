"""Room on event pages for the features built on events, filled when the app is created.

Events know where their pages have room for another feature's part and nothing of
what fills it (STYLE.md, "Layout": those features register their panels). A
feature registers in its ``init_app``; registering the same thing again (one app
per test) changes nothing.

- ``add_event_link``: a link from the organizer's pages of an event (its row in
  "My events", its edit page) to the feature's own page about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

_EXTENSION = "vigil_event_panels"


@dataclass(frozen=True)
class EventLink:
    """A link to another feature's organizer page about one event."""

    label: str  # a lazy string (flask_babel.lazy_gettext): translated where it is shown
    endpoint: str  # takes ``event_id``


@dataclass
class _Registry:
    links: list[EventLink] = field(default_factory=list)


def _registry(app: Flask) -> _Registry:
    registry: _Registry = app.extensions.setdefault(_EXTENSION, _Registry())
    return registry


def add_event_link(app: Flask, label: str, endpoint: str) -> None:
    """Show a link labelled ``label`` to ``endpoint`` (which takes ``event_id``)."""
    links = _registry(app).links
    if all(link.endpoint != endpoint for link in links):
        links.append(EventLink(label=label, endpoint=endpoint))


def event_links() -> list[EventLink]:
    """The links registered in the current app, in the order they were added."""
    return list(_registry(current_app).links)
