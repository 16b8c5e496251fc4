"""The form of an address typed in by an organizer ("another address" of the event form)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Length

from app.forms import CleanStringField
from app.models import Venue
from app.models.venue import ADDRESS_MAX, CITY_MAX, COUNTRY_CODE_LENGTH, NAME_MAX, TIMEZONE_MAX
from app.venues.coordinates import CoordinateKind, parse_coordinate
from app.venues.countries import is_country_code
from app.venues.services import NewVenue
from app.venues.timezones import is_known_zone, zone_for_point

# Typed text, before parsing: -DDD.DDDDDDDDDD is 15 characters.
COORDINATE_TEXT_MAX = 20

# A select option: value, label and the option's HTML attributes (WTForms 3).
Choice = tuple[str, str, dict[str, str]]


def venue_choice(venue: Venue, label: str) -> Choice:
    """The option of ``venue`` in a place picker, labelled ``label``.

    It carries the place's name and, when known, its position, with which
    static/js/venue-filter.js sorts the options by distance from the visitor in the
    browser (the visitor's position is never sent).
    """
    attributes = {"data-name": venue.name}
    if venue.latitude is not None and venue.longitude is not None:
        # Five decimals are about a metre.
        attributes["data-lat"] = f"{venue.latitude:.5f}"
        attributes["data-lon"] = f"{venue.longitude:.5f}"
    return str(venue.id), label, attributes


class NewVenueForm(FlaskForm):
    """A new place: name, address, city, country, position and, optionally, its zone.

    Meant as a sub-form (``FormField(NewVenueForm, name="venue", separator="_")``),
    whose fields are then posted as ``venue_name``, ``venue_address`` … The field
    validators (lengths) always run; ``checked_venue()`` adds the checks that apply
    only once the organizer chose to type an address.
    """

    class Meta:
        csrf = False  # the enclosing form carries the token

    name = CleanStringField(_l("Name of the place"), validators=[Length(max=NAME_MAX)])
    address = CleanStringField(_l("Address"), validators=[Length(max=ADDRESS_MAX)])
    city = CleanStringField(_l("City"), validators=[Length(max=CITY_MAX)])
    country = CleanStringField(
        _l("Country code"),
        validators=[Length(max=COUNTRY_CODE_LENGTH)],
        description=_l("Two letters, e.g. DE, GB, US."),
    )
    latitude = CleanStringField(
        _l("Latitude"),
        validators=[Length(max=COORDINATE_TEXT_MAX)],
        description=_l("e.g. 52.5200"),
    )
    longitude = CleanStringField(
        _l("Longitude"),
        validators=[Length(max=COORDINATE_TEXT_MAX)],
        description=_l("e.g. 13.4050"),
    )
    timezone = CleanStringField(
        _l("Time zone"),
        validators=[Length(max=TIMEZONE_MAX)],
        description=_l("Leave empty to derive it from the position, or enter e.g. Europe/Berlin."),
    )

    def checked_venue(self) -> NewVenue | None:
        """The typed place if it is complete and valid, else None with errors on its fields.

        Name, city, country and position are required; the country must be an ISO
        code and a given zone a known IANA name. ``NewVenue.timezone`` is None when
        the zone is to be derived from the position (see ``zone_of``).
        """
        required = (self.name, self.city, self.country)
        for field in required:
            if not field.data:
                field.errors = [_("Required for another address.")]
        country = (self.country.data or "").upper()
        if country and not is_country_code(country):
            self.country.errors = [_("Enter a two-letter country code such as DE.")]
        latitude = self._coordinate(self.latitude, "latitude")
        longitude = self._coordinate(self.longitude, "longitude")
        zone = self.timezone.data or None
        if zone is not None and not is_known_zone(zone):
            self.timezone.errors = [_("Unknown time zone. Use a name like Europe/Berlin.")]
        if latitude is None or longitude is None:
            return None
        if any(field.errors for field in (*required, self.timezone)):
            return None
        return NewVenue(
            name=self.name.data,
            address=self.address.data or "",
            city=self.city.data,
            country_code=country,
            latitude=latitude,
            longitude=longitude,
            timezone=zone,
        )

    def zone_of(self, venue: NewVenue) -> str | None:
        """The place's zone: as typed, else the one at its position.

        None, with an error on the zone field, when no zone is known there.
        """
        zone = venue.timezone or zone_for_point(venue.latitude, venue.longitude)
        if zone is None:
            self.timezone.errors = [
                _("No time zone is known at this position. Enter one, e.g. Europe/Berlin.")
            ]
        return zone

    def typed_position(self) -> tuple[float | None, float | None]:
        """The latitude and longitude as typed, if both are valid (for the map picker)."""
        try:
            latitude = parse_coordinate(self.latitude.data or "", kind="latitude")
            longitude = parse_coordinate(self.longitude.data or "", kind="longitude")
        except ValueError:
            return None, None
        return latitude, longitude

    @staticmethod
    def _coordinate(field: CleanStringField, kind: CoordinateKind) -> float | None:
        if not field.data:
            field.errors = [_("Required for another address.")]
            return None
        try:
            return parse_coordinate(field.data, kind=kind)
        except ValueError as exc:
            field.errors = [str(exc)]
            return None
