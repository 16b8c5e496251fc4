"""Home page (pinned statement, then the next events) and the full statement."""

from __future__ import annotations

from flask import current_app, render_template

from app.campaign import bp
from app.campaign.queries import pinned_statement
from app.events.queries import next_listings
from app.markdown import first_paragraph, render_markdown
from app.pagecache import cached_page


@bp.get("/")
@cached_page
def home() -> str:
    """The statement's title, byline and opening paragraph, then the upcoming events."""
    statement = pinned_statement()
    teaser = first_paragraph(statement.body) if statement is not None else ""
    listings = next_listings(current_app.config["EVENTS_PER_PAGE"])
    return render_template(
        "campaign/home.html", statement=statement, teaser=teaser, listings=listings
    )


@bp.get("/statement")
@cached_page
def statement() -> str:
    """The full pinned statement; a neutral page if none is pinned yet."""
    version = pinned_statement()
    body_html = render_markdown(version.body) if version is not None else None
    return render_template("campaign/statement.html", statement=version, body_html=body_html)
