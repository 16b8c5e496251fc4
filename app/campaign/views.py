"""Home page (pinned statement, then the next events) and the full statement."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_babel import get_locale

from app.campaign import bp
from app.campaign.queries import ShownStatement, statement_for
from app.config import LANGUAGES
from app.events.queries import next_listings
from app.markdown import first_paragraph, render_markdown
from app.pagecache import cached_page


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
