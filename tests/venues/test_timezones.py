"""Zone validation (design/security.md T41) and offline derivation."""

from __future__ import annotations

import pytest

from app.venues.timezones import is_known_zone, zone_for_city, zone_for_point

REFUSED = ["Asia/Tehran ", "asia/tehran", "../../etc/passwd", "/etc/localtime",
           "Europe/Berlin\x00", "UTC+3:30", "", "A" * 300, "posixrules", "Factory",
           "localtime", "GMT", "Iran", "EST5EDT", " Asia/Tehran", "Asia/Tehran\n",
           "Europe/../Europe/Berlin", "Europe"]  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_refuses_unknown_or_unsafe_zones(name: str) -> None:
    assert is_known_zone(name) is False


@pytest.mark.parametrize(
    "name", ["Asia/Tehran", "Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT-3"]
)
def test_accepts_iana_zones(name: str) -> None:
    assert is_known_zone(name) is True


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [(52.4609, 13.2998, "Europe/Berlin"), (35.6892, 51.3890, "Asia/Tehran"),
     (-33.8688, 151.2093, "Australia/Sydney"), (40.7128, -74.0060, "America/New_York")],
)  # fmt: skip
def test_zone_for_point(latitude: float, longitude: float, zone: str) -> None:
    assert zone_for_point(latitude, longitude) == zone


def test_zone_for_point_at_sea_is_a_known_zone() -> None:
    zone = zone_for_point(0.0, -30.0)
    assert zone is not None
    assert is_known_zone(zone)


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)]
)
def test_zone_for_point_refuses_impossible_points(latitude: float, longitude: float) -> None:
    assert zone_for_point(latitude, longitude) is None


@pytest.mark.parametrize(
    ("city", "country", "zone"),
    [("Hamburg", "DE", "Europe/Berlin"), ("Washington, D.C.", "US", "America/New_York"),
     ("Los Angeles", "US", "America/Los_Angeles"), ("los angeles", "us", "America/Los_Angeles"),
     ("Sana'a", "YE", "Asia/Aden"), ("Zürich", "CH", "Europe/Zurich"),
     ("Vladivostok", "RU", "Asia/Vladivostok"), ("Perth", "AU", "Australia/Perth")],
)  # fmt: skip
def test_zone_for_city(city: str, country: str, zone: str) -> None:
    assert zone_for_city(city, country) == zone


def test_zone_for_unknown_city_falls_back_to_largest_city() -> None:
    assert zone_for_city("Nowhere-on-Sea", "US") == "America/New_York"
    assert zone_for_city("", "RU") == "Europe/Moscow"


def test_zone_for_city_in_unknown_country() -> None:
    assert zone_for_city("Berlin", "XX") is None
