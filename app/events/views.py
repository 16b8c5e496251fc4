"""Public event pages: the list with filters and one event's page."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from app.events import bp
from app.events.cards import repeat_line
from app.events.filters import FilterForm, read_page_filters, wider_radius_km
from app.events.panels import EVENT_PAGE, LIST_PAGE, EventPage, ListPage
from app.events.public import (
    coordinates_text,
    geo_uri,
    organized_by,
    zone_labels,
)
from app.events.queries import (
    all_occurrences,
    date_lines,
    get_public_event_or_404,
    may_manage,
    nearest_beyond,
    upcoming_listings,
    upcoming_occurrence_count,
    upcoming_occurrences,
)
from app.markdown import render_markdown
from app.pagecache import cached_live_page, cached_page
from app.urls import absolute_url
from app.venues.countries import address_line, country_name, place_line
from app.venues.queries import mission_country_codes

# Event cards (templates/_macros/events.html) are on pages of several features.
bp.add_app_template_global(repeat_line)


@bp.get("/events")
@cached_page
def index() -> tuple[str, int] | str:
    """Upcoming rallies and vigils, soonest first, filtered by the query string.

    An invalid filter is shown again in the form with its message (400), over the
    list filtered by the valid ones: never a bare error page.
    """
    form, valid = read_page_filters(FilterForm)
    locale = str(get_locale())
    form.offer_countries(mission_country_codes(), locale)
    filters = form.filters()
    page = upcoming_listings(filters, form.page_number, current_app.config["EVENTS_PER_PAGE"])
    # Nothing near: the nearest event wherever it is, and the radius that would show it.
    nearest = nearest_beyond(filters) if filters.near and not page.total else None
    wider = wider_radius_km(nearest.distance_km or 0.0) if nearest is not None else None
    if valid:
        args = {k: v for k, v in request.args.items() if k != "page" and v}
    else:
        args = form.valid_args()
    panels = LIST_PAGE.render(ListPage(args=args))  # the map link, feed subscription
    html = render_template(
        "events/index.html",
        form=form,
        page=page,
        args=args,
        panels=panels,
        near_label=form.near_label(locale),
        nearest=nearest,
        wider_radius_km=wider,
    )
    return html if valid else (html, 400)


# The event page shows this many dates; "and N more" links to the full list.
DATES_ON_EVENT_PAGE = 12


@bp.get("/events/<slug>/dates")
@cached_live_page
def dates(slug: str) -> str:
    """Every date of an event (a series has up to a year of them), in venue time."""
    viewer = current_user if current_user.is_authenticated else None
    event = get_public_event_or_404(slug, viewer)
    upcoming, over = all_occurrences(event)
    lines = date_lines(event, upcoming, complete=True)
    instants = [line.starts_at for line in lines] or [event.starts_at]
    zones = zone_labels(instants, event.timezone, str(get_locale()))
    return render_template("events/dates.html", event=event, upcoming=lines, over=over, zones=zones)


@bp.get("/events/<slug>")
@cached_live_page
def show(slug: str) -> str:
    """One event: its status, when (venue time and zone), where, what, who organizes it.

    Other features add their parts (venue map, RSVP, add to calendar, posters) as
    panels; published events get the share field. Cached for anonymous visitors: the
    page a rush opens (app.pagecache).
    """
    viewer = current_user if current_user.is_authenticated else None
    event = get_public_event_or_404(slug, viewer)
    occurrences = upcoming_occurrences(event, limit=DATES_ON_EVENT_PAGE)
    locale = str(get_locale())
    place = place_line(event.venue, locale)
    dates = date_lines(event, occurrences, complete=False)
    instants = [line.starts_at for line in dates] or [event.starts_at]
    return render_template(
        "events/show.html",
        event=event,
        dates=dates,
        zones=zone_labels(instants, event.timezone, locale),
        more_dates=max(upcoming_occurrence_count(event) - len(occurrences), 0),
        description_html=render_markdown(event.description),
        address=address_line(event.venue, country_name(event.venue.country_code, locale)),
        geo_uri=geo_uri(event.venue),
        coordinates=coordinates_text(event.venue),
        # A draft's address works for its organizer only: nothing to pass on yet.
        share_url=None if event.is_draft else absolute_url("events.show", slug=event.slug),
        organized_by=organized_by(event),
        # The organizer's bar (its status, edit or reinstate): never on a cached page, as
        # only a signed-in account, whose pages are not cached, manages events.
        manage=may_manage(event, viewer),
        panels=EVENT_PAGE.render(EventPage(event=event, occurrences=occurrences, place=place)),
    )
