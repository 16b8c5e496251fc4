"""A calendar feed's name, from its filters: "Vigil — vigils within 50 km of Toronto".

Calendar apps show X-WR-CALNAME in their list of calendars; a visitor who subscribes
to several filtered feeds (their city, their country) must tell them apart. The same
name labels the subscribe panel, in the page's language.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.events.filters import PlaceFilterForm
from app.feeds.forms import FeedFilterForm
from app.models import EventKind
from app.venues.countries import country_name

_KINDS_PLURAL = {
    EventKind.RALLY: _l("rallies"),
    EventKind.VIGIL: _l("vigils"),
    EventKind.MARCH: _l("marches"),
    EventKind.OTHER: _l("other events"),
}


def feed_name(form: PlaceFilterForm) -> str:
    """The name of the feed of ``form``'s filters (validated) in the current language."""
    site = current_app.config["SITE_NAME"]
    locale = str(get_locale())
    wheres = []
    if form.near_point is not None:
        place = form.near_city.name if form.near_city is not None else form.near.data
        wheres.append(_("within %(km)d km of %(place)s", km=form.near_point.radius_km, place=place))
    country = country_name(form.country_code, locale) if form.country_code else None
    if form.city.data:
        where = form.city.data if country is None else f"{form.city.data}, {country}"
        wheres.append(_("in %(place)s", place=where))
    elif country is not None:
        wheres.append(_("in %(place)s", place=country))
    kind = form.kind.data
    if not wheres and not kind:
        # The name of the unfiltered feed since the first version: calendars keep it.
        name: str = _("Vigil: rallies and vigils for Iran's political prisoners")
        return name
    what = str(_KINDS_PLURAL[EventKind(kind)]) if kind else _("events")
    if not wheres:
        only_kind: str = _("%(site)s — %(what)s", site=site, what=what)
        return only_kind
    named: str = _("%(site)s — %(what)s %(where)s", site=site, what=what, where=" ".join(wheres))
    return named


def feed_name_of(args: dict[str, str]) -> str | None:
    """The name of the feed of the filters in ``args``; None if they are not valid."""
    form = FeedFilterForm(formdata=MultiDict(args))
    return feed_name(form) if form.validate() else None
