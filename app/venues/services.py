"""Writing venues: adding the addresses organizers type in.

The bundled list of missions is imported by app.venues.importer. Services flush,
never commit (STYLE.md rule 2): the caller commits once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _

from app.extensions import db
from app.models import User, Venue
from app.models.venue import ADDRESS_MAX, CITY_MAX, NAME_MAX, VenueKind, VenueStatus
from app.text import TextError, clean_text
from app.venues.countries import is_country_code
from app.venues.timezones import is_known_zone, zone_for_city, zone_for_point


class VenueError(ValueError):
    """A venue was refused; ``str(error)`` is a translated, user-facing message."""


@dataclass(frozen=True)
class NewVenue:
    """An address typed in by an organizer instead of picking a mission."""

    name: str
    address: str
    city: str
    country_code: str
    latitude: float
    longitude: float
    # None: derived from the position (then the city) when the venue is created.
    timezone: str | None


def create_custom_venue(
    *,
    name: str,
    address: str,
    city: str,
    country_code: str,
    latitude: float,
    longitude: float,
    timezone: str | None,
    created_by: User,
) -> Venue:
    """Add an address that an organizer typed in, and flush.

    The venue is of kind "other", status "open", owned by ``created_by``. With
    ``timezone`` None the zone is derived from the coordinates (then from the
    city) and ``timezone_is_manual`` is False; a given zone is kept as chosen.
    Forms check all of this first; the checks here keep other callers honest.
    Raises VenueError with a translated message on a value it refuses.
    """
    try:
        name, address, city = (clean_text(value) for value in (name, address, city))
    except TextError:
        raise VenueError(_("The text contains a character that is not allowed.")) from None
    if not 1 <= len(name) <= NAME_MAX:
        raise VenueError(_("The name must have 1 to %(max)s characters.", max=NAME_MAX))
    if len(address) > ADDRESS_MAX:
        raise VenueError(_("The address must have at most %(max)s characters.", max=ADDRESS_MAX))
    if not 1 <= len(city) <= CITY_MAX:
        raise VenueError(_("The city must have 1 to %(max)s characters.", max=CITY_MAX))
    if not is_country_code(country_code):
        raise VenueError(_("Choose a country from the list."))
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise VenueError(_("The latitude must be between -90 and 90."))
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise VenueError(_("The longitude must be between -180 and 180."))
    if timezone is not None and not is_known_zone(timezone):
        raise VenueError(_("Choose a time zone from the list."))

    zone = timezone or zone_for_point(latitude, longitude) or zone_for_city(city, country_code)
    if zone is None:
        raise VenueError(_("No time zone is known for this place; choose one."))
    venue = Venue(
        name=name,
        kind=VenueKind.OTHER,
        address=address,
        city=city,
        country_code=country_code,
        latitude=latitude + 0.0,
        longitude=longitude + 0.0,
        timezone=zone,
        timezone_is_manual=timezone is not None,
        status=VenueStatus.OPEN,
        created_by_id=created_by.id,
    )
    db.session.add(venue)
    db.session.flush()
    return venue
