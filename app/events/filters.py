"""Query-string filters of the public lists: /events, /map, /events.geojson, /calendar.ics.

One home for them (STYLE.md rule 15): the fields and their checks, the one way a view
reads them (``read_filters``: valid, or a readable 400; ``read_page_filters`` for the
HTML lists, which show a bad value again with its message), and their canonical
spelling (``canonical_args``), which names cached documents (app.httpcache) and so
must hold every filter. The feeds and the maps subclass these forms in their own
packages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectField
from wtforms.validators import Length, NumberRange, Optional

from app.events.forms import kind_choices
from app.events.queries import EventFilters
from app.forms import CleanStringField
from app.models.venue import CITY_MAX
from app.pagecache import set_canonical_query
from app.venues.cities import City
from app.venues.countries import country_name, is_country_code
from app.venues.geo import Near, is_coordinates, parse_position
from app.venues.places import find_place, suggest_places

RADIUS_DEFAULT_KM = 50
RADIUS_MAX_KM = 2000
# A radius is widened to the next of these (each one a cache key, app.httpcache), and
# a position rounded to NEAR_DECIMALS (about 1 km): otherwise every made-up value would
# be a document of its own, built and stored.
RADIUS_STEPS_KM = (5, 10, 25, 50, 100, 250, 500, 1000, RADIUS_MAX_KM)
NEAR_DECIMALS = 2
FILTER_YEARS = (2000, 2100)
# Fields that pick a part of a list, not which events are in it: not in canonical_args.
NOT_FILTERS = frozenset({"page"})
# A value shown again inside a message is cut to this many characters.
ECHO_MAX = 40


def _echo(value: str) -> str:
    return value if len(value) <= ECHO_MAX else value[:ECHO_MAX] + "…"


class CountryField(SelectField):
    """A country as its ISO code, chosen from a list; "de" and "DE" are the same.

    Any country code is accepted (an old link, a place typed in by an organizer), not
    only the offered ones: ``PlaceFilterForm.validate`` checks it. The options are set
    by the pages that show the field (``offer_countries``), so reading filters for a
    document runs no query.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["validate_choice"] = False
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        # The first value wins when a field is sent twice (design/security.md T43).
        self.data = str(valuelist[0]).strip().upper() if valuelist else ""


class PlaceFilterForm(FlaskForm):
    """Query-string filters shared by /events, /map and the feeds; invalid values are a 400."""

    class Meta:
        csrf = False

    country = CountryField(_l("Country"), choices=[], default="")
    city = CleanStringField(
        _l("City"),
        validators=[Length(max=CITY_MAX, message=_l("Enter at most %(max)d characters."))],
    )
    # Default "": a missing kind is then a valid choice, and WTForms does not load its
    # own message catalog from disk to word an error that Optional() drops (measured).
    kind = SelectField(_l("Kind"), choices=[], validators=[Optional()], default="")
    near = CleanStringField(
        _l("Near"),
        validators=[Length(max=100, message=_l("Enter at most %(max)d characters."))],
        description=_l("A city, or a position as latitude,longitude."),
    )
    radius_km = IntegerField(
        _l("Radius (km)"),
        validators=[Optional(), NumberRange(min=1, max=RADIUS_MAX_KM)],
        default=RADIUS_DEFAULT_KM,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _("Any kind")), *kind_choices()]
        self.near_point: Near | None = None
        # The city "near" names (None for a position), and close names when it names none.
        self.near_city: City | None = None
        self.near_suggestions: list[City] = []

    @property
    def country_code(self) -> str | None:
        return (self.country.data or "").upper() or None

    def offer_countries(self, codes: Iterable[str], locale: str) -> None:
        """Offer ``codes`` (and the chosen country) in the country list, by name in ``locale``."""
        offered = set(codes)
        if self.country_code and not self.country.errors:
            offered.add(self.country_code)
        named = sorted((country_name(code, locale), code) for code in offered)
        self.country.choices = [("", _("Any country"))] + [(code, name) for name, code in named]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        code = self.country_code
        if code and not is_country_code(code):
            self.country.errors = [
                _(
                    "“%(value)s” is not a country we know. Choose one from the list.",
                    value=_echo(code),
                )
            ]
            ok = False
        if self.kind.errors:
            self.kind.errors = [_("Choose a kind from the list.")]
        if self.radius_km.errors:
            # WTForms' own wording is English only and says nothing of the range.
            self.radius_km.errors = [
                _("Enter a radius in whole kilometres from 1 to %(max)d.", max=RADIUS_MAX_KM)
            ]
        if self.near.data and not self.near.errors:
            position = parse_position(self.near.data)
            if position is None:
                self.near_suggestions = suggest_places(self.near.data)
                self.near.errors = [
                    _(
                        "We do not know the place “%(place)s”. Enter a city or latitude,longitude.",
                        place=_echo(self.near.data),
                    )
                ]
                ok = False
            else:
                if not is_coordinates(self.near.data):
                    self.near_city = find_place(self.near.data)
                self._snap_near(position)
        return ok

    def near_label(self, locale: str) -> str:
        """Where "near" searched, for people: "Berlin, Germany", or the position typed."""
        if self.near_city is None:
            return self.near.data or ""
        label: str = _(
            "%(city)s, %(country)s",
            city=self.near_city.name,
            country=country_name(self.near_city.country_code, locale),
        )
        return label

    def _snap_near(self, position: tuple[float, float]) -> None:
        """Widen the radius (``RADIUS_STEPS_KM``) and round a typed position, in the form too.

        The snapped values are what is filtered on, what names the cached document and
        what the form shows, so the three agree. A city's position comes from the city
        table (one per name): it is kept as it is.
        """
        if self.radius_km.errors:
            # Searched with the default meanwhile; the field shows the bad value again.
            radius = RADIUS_DEFAULT_KM
        else:
            radius = snap_radius_km(self.radius_km.data or RADIUS_DEFAULT_KM)
            self.radius_km.data = radius
            self.radius_km.raw_data = [str(radius)]
        latitude, longitude = position
        if is_coordinates(self.near.data or ""):
            # + 0.0: -0.0 would be spelt apart from 0.0.
            latitude, longitude = (round(value, NEAR_DECIMALS) + 0.0 for value in position)
            self.near.data = ",".join(
                f"{value:.{NEAR_DECIMALS}f}" for value in (latitude, longitude)
            )
        self.near_point = Near(latitude, longitude, radius)

    def canonical_args(self) -> dict[str, str]:
        """Every validated filter as query arguments, in field order: a cache key.

        Built from the form's fields (all but ``NOT_FILTERS``), so a filter added to a
        form is in its key without more code; spellings that mean the same ("de" and
        "DE", a radius without near) share it. Call after ``validate()`` returned True.
        """
        args = ((field.name, self.canonical_value(field)) for field in self)
        return {name: value for name, value in args if value and name not in NOT_FILTERS}

    def canonical_value(self, field: Field) -> str:
        """``field``'s value in the one spelling that means it; "" when it filters nothing."""
        if field is self.country:
            return self.country_code or ""
        if field is self.radius_km:
            return str(field.data) if self.near.data else ""
        data = field.data
        if data is None:
            return ""
        return data.isoformat() if hasattr(data, "isoformat") else str(data)

    def valid_args(self) -> dict[str, str]:
        """The filters without errors in their canonical spelling: for the links of a page
        that shows an invalid filter (its pages, its map, its feed)."""
        args = ((field.name, self.canonical_value(field)) for field in self if not field.errors)
        return {name: value for name, value in args if value and name not in NOT_FILTERS}

    def canonical_queries(self) -> tuple[str, str]:
        """This form's values as query strings: the canonical one, and the same without
        the fields at their default (``/map?near=Berlin`` for a radius of 50 km).

        Both name a cached page (app.pagecache). Fields in ``NOT_FILTERS`` (a list's page)
        are left out at their default in both. Call after ``validate()`` returned True.
        """
        args = {field.name: self.canonical_value(field) for field in self}
        defaults = {field.name: str(field.default or "") for field in self}
        full = {
            name: value
            for name, value in args.items()
            if value and (name not in NOT_FILTERS or value != defaults[name])
        }
        short = {name: value for name, value in full.items() if value != defaults[name]}
        return urlencode(full), urlencode(short)

    def error_message(self) -> str:
        """Which filters are invalid, for the 400 answer."""
        fields = ", ".join(str(self[name].label.text) for name in self.errors)
        message: str = _("Some filters are not valid: %(fields)s.", fields=fields)
        return message


def check_country_code(field: Field, code: str | None) -> bool:
    """False, with a message on ``field``, if ``code`` is given and is no country code."""
    if code and not is_country_code(code):
        field.errors = [_("Enter a two-letter country code such as DE.")]
        return False
    return True


class FilterForm(PlaceFilterForm):
    """Filters of /events: the place filters plus search, dates and page."""

    q = CleanStringField(
        _l("Search"),
        validators=[Length(max=100, message=_l("Enter at most %(max)d characters."))],
    )
    from_on = DateField(_l("From"), validators=[Optional()], name="from")
    to_on = DateField(_l("To"), validators=[Optional()], name="to")
    page = IntegerField(
        _l("Page"), validators=[Optional(), NumberRange(min=1, max=10_000)], default=1
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.from_on, self.to_on):
            if field.errors:  # WTForms' own wording: English only, as below
                field.errors = [_("Enter a date as YYYY-MM-DD.")]
            elif field.data and not FILTER_YEARS[0] <= field.data.year <= FILTER_YEARS[1]:
                field.errors = [_("Enter a date between the years 2000 and 2100.")]
                ok = False
        # The API's form has no page (it pages by cursor).
        if "page" in self._fields and self.page.errors:
            self.page.errors = [_("Enter a page number from 1 to 10000.")]
        if self.from_on.data and self.to_on.data and self.to_on.data < self.from_on.data:
            self.to_on.errors = [_("'To' must not be before 'From'.")]
            ok = False
        return ok

    def filters(self) -> EventFilters:
        """The validated filters: after ``validate()``, those without errors.

        When ``validate()`` returned False, the list is shown with the valid filters
        while the form asks to correct the others (``read_page_filters``).
        """

        def valid(field: Field) -> Any:
            return None if field.errors else (field.data or None)

        return EventFilters(
            country=None if self.country.errors else self.country_code,
            city=valid(self.city),
            kind=valid(self.kind),
            from_on=valid(self.from_on),
            to_on=None if self.to_on.errors or self.from_on.errors else self.to_on.data,
            q=valid(self.q),
            near=self.near_point,
        )

    @property
    def page_number(self) -> int:
        """The page asked for; the first if that was not valid."""
        return 1 if self.page.errors else (self.page.data or 1)


F = TypeVar("F", bound=PlaceFilterForm)


def read_filters(form_class: type[F]) -> F:
    """The request's query-string filters as ``form_class``, validated.

    Aborts with 400 and a message naming the invalid filters; unknown arguments are
    ignored.
    """
    form = form_class(formdata=request.args)
    if not form.validate():
        abort(400, description=form.error_message())
    set_canonical_query(*form.canonical_queries())
    return form


def read_page_filters(form_class: type[F]) -> tuple[F, bool]:
    """The request's filters for an HTML list (/events, /map), and whether all are valid.

    Never aborts: a page shows an invalid value again with its message next to the
    field (and answers 400), and lists with the valid filters meanwhile. Only a valid
    set of filters names a cached page (app.pagecache).
    """
    form = form_class(formdata=request.args)
    valid = form.validate()
    if valid:
        set_canonical_query(*form.canonical_queries())
    return form, valid


def wider_radius_km(distance_km: float) -> int | None:
    """The radius step (``RADIUS_STEPS_KM``) that reaches ``distance_km``; None beyond all."""
    if distance_km > RADIUS_MAX_KM:
        return None
    return snap_radius_km(math.ceil(distance_km))


def snap_radius_km(radius_km: int) -> int:
    """The smallest of ``RADIUS_STEPS_KM`` at least ``radius_km`` (the largest above it)."""
    return next((step for step in RADIUS_STEPS_KM if step >= radius_km), RADIUS_STEPS_KM[-1])
