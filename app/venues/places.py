"""Find a city's position offline, for "near <city>" filters (no geocoding service)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache

from app.venues.cities import City, cities_by_country, fold_name

# Persian (Arabic-script) names rank with the GeoNames main names, as they always have:
# "تورنتو" finds Toronto. The table's other alternate names only fill in (_city_index).
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


def _most_populous(named: Iterable[tuple[str, City]]) -> dict[str, City]:
    """Folded name → the most populous city of that name (ties: the first)."""
    index: dict[str, City] = {}
    for name, city in named:
        key = fold_name(name)
        if key and (key not in index or index[key].population < city.population):
            index[key] = city
    return index


@cache
def _city_index() -> dict[str, City]:
    """Folded city name → the city people most likely mean.

    Main names and Persian names first, the most populous city of a name winning;
    the table's other alternate names ("New York", "NYC", "Munich") only for names
    that are not already taken, so a name keeps meaning the city that is called so:
    "St. Petersburg" stays the one in Florida, Russia's is "Saint Petersburg".
    """
    cities = [city for entries in cities_by_country().values() for city in entries]
    index = _most_populous(
        (name, city)
        for city in cities
        for name in (city.name, *(n for n in city.alternate_names if _ARABIC_SCRIPT.search(n)))
    )
    other_names = _most_populous(
        (name, city)
        for city in cities
        for name in city.alternate_names
        if not _ARABIC_SCRIPT.search(name)
    )
    return other_names | index


def find_city(name: str) -> tuple[float, float] | None:
    """Latitude and longitude of the best-known city called ``name``, or None.

    ``name`` is compared without case, accents, spaces or punctuation: "new york",
    "NYC", "Zurich" and "تهران" are found.
    """
    city = find_place(name)
    return (city.latitude, city.longitude) if city is not None else None


def find_place(name: str) -> City | None:
    """The best-known city called ``name`` (compared as ``find_city`` does), or None."""
    key = fold_name(name)
    return _city_index().get(key) if key else None


# Suggestions come from cities of this size: a few thousand names, compared in a few
# milliseconds, and the places people search from.
SUGGEST_MIN_POPULATION = 100_000
# How alike a typed name and a city's name must be (difflib's ratio): "Tehrn" → Tehran.
SUGGEST_CUTOFF = 0.75
# Longer text is no misspelt city name, and comparing it costs more.
SUGGEST_MAX_LENGTH = 40


@cache
def _suggestion_index() -> dict[str, City]:
    """Folded main and Persian names of the larger cities → the city."""
    return _most_populous(
        (name, city)
        for entries in cities_by_country().values()
        for city in entries
        if city.population >= SUGGEST_MIN_POPULATION
        for name in (city.name, *(n for n in city.alternate_names if _ARABIC_SCRIPT.search(n)))
    )


def suggest_places(name: str, limit: int = 3) -> list[City]:
    """Cities whose name is close to ``name`` (a typo: "Tehrn", "Berlinn"), best first."""
    key = fold_name(name)
    if not key or len(key) > SUGGEST_MAX_LENGTH:
        return []
    index = _suggestion_index()
    found: list[City] = []
    for match in difflib.get_close_matches(key, index, n=limit * 2, cutoff=SUGGEST_CUTOFF):
        if index[match] not in found:
            found.append(index[match])
    return found[:limit]


# Cities labelled on the offline map, and the populations of its three label ranks.
LABEL_MIN_POPULATION = 300_000
_RANKS = (5_000_000, 1_000_000)


def labelled_cities() -> list[tuple[str, float, float, int]]:
    """GeoNames cities of 300,000 people or more: (name, latitude, longitude, rank).

    Rank 0 are cities of 5 million or more (shown on the world view), 1 of a
    million or more, 2 the rest (shown when zoomed in). Largest first.
    """
    cities = [
        city
        for entries in cities_by_country().values()
        for city in entries
        if city.population >= LABEL_MIN_POPULATION
    ]
    cities.sort(key=lambda city: city.population, reverse=True)
    return [
        (
            city.name,
            round(city.latitude, 3),
            round(city.longitude, 3),
            sum(1 for floor in _RANKS if city.population < floor),
        )
        for city in cities
    ]
