"""The GeoNames city table shipped with Vigil, and how city names are compared.

``data/cities.tsv.xz`` holds the GeoNames cities of 15,000 people or more with
the alternate names people type (data/README.md says what is kept, its source
and licence; ``make cities`` regenerates it). It is read on first use and kept
for the life of the process, never at import time (STYLE.md rule 1).
"""

from __future__ import annotations

import lzma
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import NamedTuple

CITIES_FILE = Path(__file__).with_name("data") / "cities.tsv.xz"
_COLUMNS = "name\tlatitude\tlongitude\tcountry_code\tpopulation\ttimezone\talternate_names"
_NOT_ALNUM = re.compile(r"[\W_]+")


class City(NamedTuple):
    """One GeoNames city: its main name, position, ISO country code and IANA zone."""

    name: str
    latitude: float
    longitude: float
    country_code: str
    population: int
    timezone: str
    alternate_names: tuple[str, ...]


def fold_name(text: str) -> str:
    """A key for comparing place names: no case, accents, spaces or punctuation.

    "Washington, D.C." and "Washington DC", "Sana'a" and "Sanaa" become equal.
    Combining accents are not alphanumeric, so NFKD then dropping non-word
    characters removes them too.
    """
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _parse(line: str) -> City:
    name, latitude, longitude, country_code, population, timezone, names = line.split("\t")
    return City(
        name=name,
        latitude=float(latitude),
        longitude=float(longitude),
        country_code=country_code,
        population=int(population),
        timezone=timezone,
        alternate_names=tuple(names.split("|")) if names else (),
    )


@cache
def cities_by_country() -> dict[str, tuple[City, ...]]:
    """The cities of each country (ISO 3166-1 alpha-2), most populous first.

    Countries come in code order and cities of equal population in GeoNames'
    order: callers that rank by population break ties by this order. Raises
    RuntimeError if the table is not in the expected format.
    """
    with lzma.open(CITIES_FILE, "rt", encoding="utf-8", newline="\n") as file:
        lines = [line for line in file.read().splitlines() if not line.startswith("#")]
    if not lines or lines[0] != _COLUMNS:
        raise RuntimeError(f"{CITIES_FILE} does not start with the columns {_COLUMNS!r}")
    by_country: dict[str, list[City]] = {}
    for line in lines[1:]:
        city = _parse(line)
        by_country.setdefault(city.country_code, []).append(city)
    # The table is written in this order already; sorting (stable) keeps that true
    # for a table edited by hand.
    return {
        country: tuple(sorted(cities, key=lambda city: city.population, reverse=True))
        for country, cities in by_country.items()
    }
