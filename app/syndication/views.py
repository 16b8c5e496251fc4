"""Syndication routes: RSS and Atom feeds of the list, and the embeddable list and map.

What the feeds serve and how they are cached: app.syndication.documents and
app.httpcache; what makes a page an embed: app.syndication.embed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, get_template_attribute, render_template, request, url_for

from app.events.filters import FilterForm, read_filters
from app.events.queries import upcoming_listings
from app.httpcache import serve
from app.maps.forms import MapFilterForm
from app.maps.rendering import events_map, tile_settings
from app.maps.views import events_script_url
from app.pagecache import cached_page
from app.syndication import bp
from app.syndication.documents import ATOM, RSS, FilteredFeed
from app.syndication.embed import embed
from app.syndication.panels import EMBED_FILTERS, share_links
from app.urls import absolute_url

# Filters the embedded map passes to its markers: "near" only centres the map (app.maps).
_MARKER_FILTERS = ("country", "city", "kind", "from", "to", "q")


@bp.get("/events.rss")
def rss() -> Response:
    """Upcoming public rallies and vigils, filtered like /calendar.ics, as RSS 2.0."""
    return serve(RSS, FilteredFeed("rss"))


@bp.get("/events.atom")
def atom() -> Response:
    """Upcoming public rallies and vigils, filtered like /calendar.ics, as Atom."""
    return serve(ATOM, FilteredFeed("atom"))


@bp.get("/embed/events")
@embed
@cached_page
def embed_events() -> str:
    """The first page of /events with the same filters, for another site's frame."""
    form = read_filters(FilterForm)
    page = upcoming_listings(form.filters(), 1, current_app.config["EVENTS_PER_PAGE"])
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("syndication/embed_events.html", page=page, args=args)


@bp.get("/embed/map")
@embed
@cached_page
def embed_map() -> str:
    """The map of /map with the same filters, for another site's frame."""
    form = read_filters(MapFilterForm)
    args = {key: value for key, value in request.args.items() if value and key != "page"}
    marker_args: dict[str, Any] = {k: v for k, v in args.items() if k in _MARKER_FILTERS}
    return render_template(
        "syndication/embed_map.html",
        args=args,
        map=events_map(form.near_point),
        map_script=events_script_url(form.near_point),
        geojson_url=url_for("maps.events_geojson", **marker_args),
        tiles=tile_settings(),
    )


@bp.get("/share")
@cached_page
def share() -> str:
    """The snippets for other sites with the list's filters: frames, and a plain list.

    The plain list holds the first page of the list as it is now: script-free HTML
    with absolute links, for sites that allow no frames.
    """
    form = read_filters(FilterForm)
    page = upcoming_listings(form.filters(), 1, current_app.config["EVENTS_PER_PAGE"])
    args = {key: request.args[key] for key in EMBED_FILTERS if request.args.get(key)}
    links = share_links(args)
    plain_list = get_template_attribute("syndication/_macros.html", "plain_list")
    alternate = get_template_attribute("syndication/_panels.html", "alternate_links")
    return render_template(
        "syndication/share.html",
        args=args,
        links=links,
        alternate=alternate(links),
        # Text to copy: the template escapes it into its textarea.
        plain_list=str(plain_list(page.items, absolute_url("events.index", **args))),
    )
