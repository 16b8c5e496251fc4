"""Find a city's position offline, for "near <city>" filters (no geocoding service)."""

from __future__ import annotations

import re
from functools import cache

from app.venues.timezones import _cities_by_country, _fold

# Persian (Arabic-script) names are indexed besides the GeoNames name, so that
# "تورنتو" finds Toronto; other alternate names would cost memory in every worker.
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


@cache
def _city_index() -> dict[str, tuple[float, float]]:
    """Folded city name → position of the most populous city of that name."""
    index: dict[str, tuple[float, float, int]] = {}
    for cities in _cities_by_country().values():
        for city in cities:
            names = {city["name"], *(n for n in city["alternatenames"] if _ARABIC_SCRIPT.search(n))}
            population = int(city["population"])
            for name in names:
                key = _fold(name)
                if key and (key not in index or index[key][2] < population):
                    index[key] = (float(city["latitude"]), float(city["longitude"]), population)
    return {key: (lat, lon) for key, (lat, lon, _pop) in index.items()}


def find_city(name: str) -> tuple[float, float] | None:
    """Latitude and longitude of the best-known city called ``name``, or None."""
    key = _fold(name)
    return _city_index().get(key) if key else None


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
        for entries in _cities_by_country().values()
        for city in entries
        if int(city["population"]) >= LABEL_MIN_POPULATION
    ]
    cities.sort(key=lambda city: int(city["population"]), reverse=True)
    return [
        (
            str(city["name"]),
            round(float(city["latitude"]), 3),
            round(float(city["longitude"]), 3),
            sum(1 for floor in _RANKS if int(city["population"]) < floor),
        )
        for city in cities
    ]
