"""IANA time zones of venues: validation and offline derivation.

Zones are derived without any network access: from coordinates with
``timezonefinder`` (polygons shipped in the package), or from a city name with
the GeoNames city table shipped with Vigil (app/venues/cities.py). Both data
sets are loaded on first use and cached, never at import time (STYLE.md rule 1).
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from app.venues.cities import cities_by_country, fold_name

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

# Longest IANA name is 32 characters; refusing long input early keeps junk out of set lookups.
_MAX_ZONE_LENGTH = 64
# Not places: build artefacts of the tz database and the host's own setting.
_NOT_ZONES = frozenset({"posixrules", "Factory", "localtime"})


@cache
def _known_zones() -> frozenset[str]:
    """The zones a venue may use: Area/Location names plus "UTC".

    Legacy names without a slash ("GMT", "Iran", "EST5EDT"…) are left out so
    that every stored zone reads as a place; design/security.md T41.
    """
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and ("/" in name or name == "UTC")
    )


def is_known_zone(name: str) -> bool:
    """True if ``name`` is exactly a known IANA zone name (case and spaces matter).

    Never touches the file system with ``name``: it is only compared with the
    list of zones, so "../../etc/passwd" or "/etc/localtime" are simply unknown.
    """
    return len(name) <= _MAX_ZONE_LENGTH and name in _known_zones()


@cache
def _finder() -> TimezoneFinder:
    # Building the finder loads its index (about a quarter of a second), so it
    # happens once per process and only when a zone is actually needed.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_for_point(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a WGS84 point, or None if none is known there.

    Points at sea get an ``Etc/GMT±N`` zone from timezonefinder. The caller
    validates the coordinates; out-of-range values give None.
    """
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    zone: str | None = _finder().timezone_at(lng=longitude, lat=latitude)
    if zone is None or not is_known_zone(zone):
        return None
    return zone


class _CountryZones(NamedTuple):
    by_name: dict[str, str]  # folded main name → zone of the most populous city so called
    by_alternate_name: dict[str, str]  # the same for alternate names
    largest: str  # zone of the country's most populous city


@cache
def _zones_by_country() -> dict[str, _CountryZones]:
    """For each country, city names → zone; only cities whose zone is known count.

    Cities come most populous first, so the first city to claim a name keeps it.
    """
    zones: dict[str, _CountryZones] = {}
    for country, cities in cities_by_country().items():
        candidates = [city for city in cities if is_known_zone(city.timezone)]
        if not candidates:
            continue
        entry = _CountryZones({}, {}, candidates[0].timezone)
        for city in candidates:
            entry.by_name.setdefault(fold_name(city.name), city.timezone)
            for name in city.alternate_names:
                entry.by_alternate_name.setdefault(fold_name(name), city.timezone)
        zones[country] = entry
    return zones


def zone_for_city(city: str, country_code: str) -> str | None:
    """The IANA zone of ``city`` in ``country_code`` (ISO 3166-1 alpha-2), offline.

    Picks the most populous GeoNames city of that country whose name matches
    ``city`` (ignoring case, accents and punctuation), else the most populous
    one with a matching alternate name ("New York" → "New York City"); if none
    matches, the zone of the country's most populous city. None if the country
    has no city in the list.
    """
    zones = _zones_by_country().get(country_code.upper())
    if zones is None:
        return None
    wanted = fold_name(city)
    if not wanted:
        return zones.largest
    # A town's own name wins over a bigger city's alternate name.
    return zones.by_name.get(wanted) or zones.by_alternate_name.get(wanted) or zones.largest
