"""Home page (pinned statement, then the next events), the full statement, and the
campaign page (its call, figures, map and the missions still without a vigil)."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_babel import get_locale

from app.campaign import bp
from app.campaign.figures import campaign_figures
from app.campaign.queries import (
    CAMPAIGN_KIND,
    ShownStatement,
    missions_without_vigil,
    statement_for,
)
from app.config import LANGUAGES
from app.events.queries import next_listings
from app.maps.rendering import events_map, tile_settings
from app.markdown import first_paragraph, render_markdown
from app.pagecache import cached_live_page, cached_page


@bp.get("/")
@cached_page
def home() -> str:
    """The statement's title, byline and opening paragraph in the page language (else the
    original, with a note), then the upcoming events."""
    shown = statement_for(str(get_locale()))
    teaser = first_paragraph(shown.version.body) if shown is not None else ""
    listings = next_listings(current_app.config["EVENTS_PER_PAGE"])
    return render_template(
        "campaign/home.html",
        shown=shown,
        statement=shown.version if shown is not None else None,
        teaser=teaser,
        listings=listings,
    )


def _statement_page(shown: ShownStatement | None) -> str:
    version = shown.version if shown is not None else None
    body_html = render_markdown(version.body) if version is not None else None
    return render_template(
        "campaign/statement.html", shown=shown, statement=version, body_html=body_html
    )


@bp.get("/statement")
@cached_page
def statement() -> str:
    """The full statement in the page language, else the original with a note; a neutral
    page if none is pinned yet."""
    return _statement_page(statement_for(str(get_locale())))


@bp.get("/statement/<language>")
@cached_page
def statement_in(language: str) -> str:
    """The version pinned in ``language`` (the original's page, linked from translations).

    404 for a language the site does not speak or that has no version.
    """
    shown = statement_for(language) if language in LANGUAGES else None
    if shown is None or shown.is_fallback:
        abort(404)
    return _statement_page(shown)


@bp.get("/campaign")
@cached_live_page
def campaign() -> str:
    """The campaign, "Host a vigil at your consulate": the statement's title and opening in the page
    language, the figures, the map of the vigils and the missions waiting for one.

    A live page (app.pagecache): it shows how many people are going. Four queries
    whatever the number of vigils and missions.
    """
    locale = str(get_locale())
    shown = statement_for(locale)
    return render_template(
        "campaign/campaign.html",
        shown=shown,
        statement=shown.version if shown is not None else None,
        teaser=first_paragraph(shown.version.body) if shown is not None else "",
        figures=campaign_figures(),
        countries=missions_without_vigil(locale),
        # The map of /map (app.maps), its markers narrowed to vigils.
        map=events_map(None),
        map_script=url_for("maps.events_script"),
        geojson_url=url_for("maps.events_geojson", kind=CAMPAIGN_KIND.value),
        tiles=tile_settings(),
    )
