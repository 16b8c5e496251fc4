"""The syndication part of the list page (app.events.panels): feeds and embed snippets."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from markupsafe import Markup

from app.events.panels import LIST_PAGE, ListPage, macro
from app.feeds.links import FEED_FILTERS
from app.urls import absolute_url

_PANELS = "syndication/_panels.html"
# The list's filters an embed takes: all of them but the page.
EMBED_FILTERS = ("q", "country", "city", "kind", "from", "to", "near", "radius_km")


@dataclass(frozen=True)
class ShareLinks:
    """The current filters as feeds and embeds (absolute URLs, VIGIL_BASE_URL)."""

    rss: str
    atom: str
    embed_events: str
    embed_map: str
    share: str  # the page with every snippet, the plain list of links included


def share_links(args: dict[str, str]) -> ShareLinks:
    """Feeds (with the feed filters among ``args``) and embeds (all list filters) of ``args``."""
    feed_args = {key: args[key] for key in FEED_FILTERS if args.get(key)}
    embed_args = {key: args[key] for key in EMBED_FILTERS if args.get(key)}
    return ShareLinks(
        rss=absolute_url("syndication.rss", **feed_args),
        atom=absolute_url("syndication.atom", **feed_args),
        embed_events=absolute_url("syndication.embed_events", **embed_args),
        embed_map=absolute_url("syndication.embed_map", **embed_args),
        share=absolute_url("syndication.share", **embed_args),
    )


def _list_page(page: ListPage) -> dict[str, Markup]:
    """The feeds in the page's head; the feeds and the frame snippet above the count."""
    links = share_links(page.args)
    return {
        "head": macro(_PANELS, "alternate_links")(links),
        "before_count": macro(_PANELS, "share_panel")(links),
    }


def register(app: Flask) -> None:
    """Put the feeds and embed snippets on the list page of ``app``."""
    # Embeds and snippets link to this site by its public address (app.urls).
    app.jinja_env.globals.setdefault("absolute_url", absolute_url)
    LIST_PAGE.register(app, _list_page)
