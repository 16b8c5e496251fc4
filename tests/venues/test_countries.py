"""ISO 3166 codes and localized country names."""

from __future__ import annotations

import pytest

from app.venues.countries import country_choices, country_name, is_country_code


@pytest.mark.parametrize("code", ["DE", "IR", "US", "VA", "PS", "XK", "GB"])
def test_known_codes(code: str) -> None:
    assert is_country_code(code)


@pytest.mark.parametrize(
    "code", ["", "D", "de", "DEU", "XX", "ZZ", "EU", "UN", "001", "DE ", "D\x00", "\u0391\u0392"]
)
def test_refused_codes(code: str) -> None:
    assert not is_country_code(code)


def test_country_names_are_localized() -> None:
    assert country_name("DE", "en") == "Germany"
    assert country_name("DE", "de") == "Deutschland"
    assert country_name("DE", "fa") == "آلمان"
    assert country_name("DE", "no-such-locale") == "Germany"
    assert country_name("XX", "en") == "XX"


def test_choices_cover_every_code_sorted_by_localized_name() -> None:
    choices = country_choices("de")
    codes = [code for code, _name in choices]
    assert len(codes) == len(set(codes))
    assert all(is_country_code(code) for code in codes)
    assert {"DE", "IR", "AT"} <= set(codes)
    assert len(codes) >= 249
    names = [name for _code, name in choices]
    # Accents do not push "Österreich" behind "Zypern".
    assert names.index("Österreich") < names.index("Polen") < names.index("Zypern")
    assert choices[0][1].startswith("A")
    choices.clear()
    assert country_choices("de")  # callers get their own list
