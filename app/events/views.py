"""Public event pages: the list with filters and one event's page."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from app.events import bp
from app.events.filters import FilterForm, read_filters
from app.events.queries import (
    get_public_event_or_404,
    upcoming_listings,
    upcoming_occurrences,
)
from app.feeds.links import add_links, subscribe_links
from app.maps.rendering import tile_settings, venue_map
from app.markdown import render_markdown
from app.pagecache import cached_page
from app.rsvp.forms import RsvpForm
from app.rsvp.queries import rsvp_panel
from app.venues.countries import country_name, place_line


@bp.get("/events")
@cached_page
def index() -> tuple[str, int] | str:
    """Upcoming rallies and vigils, soonest first, filtered by the query string."""
    form = read_filters(FilterForm)
    page = upcoming_listings(
        form.filters(), form.page.data or 1, current_app.config["EVENTS_PER_PAGE"]
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    subscribe = subscribe_links(args)
    return render_template(
        "events/index.html", form=form, page=page, args=args, subscribe=subscribe
    )


@bp.get("/events/<slug>")
def show(slug: str) -> str:
    """One event: when (venue time), where, what, who organizes it, its status."""
    viewer = current_user if current_user.is_authenticated else None
    event = get_public_event_or_404(slug, viewer)
    occurrences = upcoming_occurrences(event, limit=12)
    locale = str(get_locale())
    place = place_line(event.venue, locale)
    calendar_links = add_links(event, occurrences[0], place) if occurrences else None
    return render_template(
        "events/show.html",
        event=event,
        occurrences=occurrences,
        description_html=render_markdown(event.description),
        country=country_name(event.venue.country_code, locale),
        calendar_links=calendar_links,
        rsvp=rsvp_panel(event),
        rsvp_form=RsvpForm(),
        venue_map=venue_map(event.venue),
        tiles=tile_settings(),
    )
