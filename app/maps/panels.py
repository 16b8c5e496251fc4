"""The maps' parts of event pages (app.events.panels): venue map, map link, position picker."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from markupsafe import Markup

from app.events.panels import (
    EVENT_FORM,
    EVENT_PAGE,
    LIST_PAGE,
    EventFormPage,
    EventPage,
    ListPage,
    macro,
)
from app.maps.rendering import picker_map, tile_settings, venue_map

_PANELS = "maps/_panels.html"


def _event_page(page: EventPage) -> dict[str, Markup]:
    """The venue's map under its address, and the script that loads it when asked for."""
    rendered = venue_map(page.event.venue)
    if rendered is None:  # a venue without coordinates
        return {}
    return {
        "where": macro(_PANELS, "venue_map")(page.event, rendered, tile_settings()),
        "scripts": macro(_PANELS, "venue_map_script")(),
    }


def _list_page(page: ListPage) -> dict[str, Markup]:
    return {"before_filters": macro(_PANELS, "map_link")(page.args)}


def _event_form(page: EventFormPage) -> dict[str, Markup]:
    """Leaflet in the page's head, and a map that sets the position fields when clicked."""
    picker = picker_map(page.latitude, page.longitude)
    known = page.latitude is not None and page.longitude is not None
    place: dict[str, Any] = {"lat": page.latitude, "lon": page.longitude} if known else {}
    script_src = url_for("maps.picker_script", **place)
    tiles = tile_settings()
    return {
        "head": macro("maps/_map.html", "vendor_assets")(tiles),
        "position": macro(_PANELS, "picker")(
            picker, page.latitude_field, page.longitude_field, tiles, script_src
        ),
    }


def register(app: Flask) -> None:
    """Put the maps on the event pages of ``app``."""
    EVENT_PAGE.register(app, _event_page)
    LIST_PAGE.register(app, _list_page)
    EVENT_FORM.register(app, _event_form)
