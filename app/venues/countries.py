"""Countries of venues: ISO 3166-1 alpha-2 codes and their names in the visitor's language.

Names come from the CLDR data shipped with Babel, so the list needs no
maintenance of our own and every interface language gets localized names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError

from app.models import Venue

# CLDR territories with two-letter codes that are not countries or territories
# where a venue can be: groupings (EU, EZ, UN, QO), CLDR's unknown and
# pseudo-locale regions (ZZ, XA, XB), and ISO's reserved sub-territory codes
# (AC, CP, CQ, DG, EA, IC, TA) whose land belongs to a listed country.
# XK (Kosovo) is a user-assigned code but in general use, so it stays.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)
_ALPHA2 = re.compile(r"[A-Z]{2}")


# Bounded: the argument comes from callers, and only a few languages exist.
@lru_cache(maxsize=32)
def _locale(name: str) -> Locale:
    """Babel's locale for ``name``; English when Babel does not know it."""
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en")


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in _locale("en").territories
        if isinstance(code, str) and _ALPHA2.fullmatch(code) and code not in _NOT_COUNTRIES
    )


def is_country_code(code: str) -> bool:
    """True if ``code`` is an upper-case ISO 3166-1 alpha-2 code of a country or territory."""
    return bool(_ALPHA2.fullmatch(code)) and code in _country_codes()


def country_name(code: str, locale: str) -> str:
    """The name of country ``code`` in ``locale`` ("DE", "fa" → "آلمان").

    Falls back to the English name, then to the code itself, so a page never
    breaks on a code that CLDR lacks in that language.
    """
    name = _locale(locale).territories.get(code) or _locale("en").territories.get(code)
    return str(name) if name else code


def name_sort_key(name: str) -> str:
    """A key that sorts country names alphabetically in any of the site's languages."""
    # Without ICU we cannot collate per language; ignoring case and accents
    # puts "Österreich" among the O's instead of after "Zypern".
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=32)
def _choices(locale: str) -> tuple[tuple[str, str], ...]:
    pairs = [(code, country_name(code, locale)) for code in _country_codes()]
    pairs.sort(key=lambda pair: (name_sort_key(pair[1]), pair[0]))
    return tuple(pairs)


def country_choices(locale: str) -> list[tuple[str, str]]:
    """(code, localized name) for every country, sorted by name; for select fields.

    Returns a new list on each call so callers may change it.
    """
    return list(_choices(locale))


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def address_line(venue: Venue, country: str) -> list[str]:
    """The parts of the venue's address, city and ``country`` name, each said once.

    Addresses from the mission list and from organizers often end with the city
    ("Podbielskiallee 65–67, Berlin") or repeat a region that has the city's name
    ("Berlin, Berlin"): a part equal to an earlier one, or to the venue's name, is
    dropped, and so is the city when the address already names it ("75116 Paris").
    """
    seen = {_key(venue.name)}
    parts: list[str] = []

    def add(part: str) -> None:
        part = part.strip()
        if part and _key(part) not in seen:
            seen.add(_key(part))
            parts.append(part)

    for part in venue.address.split(","):
        add(part)
    city = _key(venue.city)
    named = re.compile(r"(?<!\w)" + re.escape(city) + r"(?!\w)") if city else None
    if named is None or not any(named.search(_key(part)) for part in parts):
        add(venue.city)
    add(country)
    return parts


def place_line(venue: Venue, locale: str) -> str:
    """ "Name, address, city, Country" of ``venue``, each part once (``address_line``), the
    country named in ``locale``: feeds' LOCATION, mails, posters and previews."""
    parts = (venue.name, *address_line(venue, country_name(venue.country_code, locale)))
    return ", ".join(part for part in parts if part)
