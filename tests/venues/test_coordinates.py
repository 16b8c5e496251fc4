"""parse_coordinate: design/security.md T42."""

from __future__ import annotations

import pytest
from flask import Flask

from app.venues.coordinates import CoordinateError, parse_coordinate

REFUSED_ANY = ["NaN", "nan", "inf", "-inf", "Infinity", "1e309", "1e1", "0x10", "52,5", "",
               "   ", "52.5abc", "+52.5", ".5", "52.", "1_0", "52.5\n1", "٥٢", "1234",
               "52.12345678901", "- 52"]  # fmt: skip


@pytest.mark.parametrize("text", REFUSED_ANY)
@pytest.mark.parametrize("kind", ["latitude", "longitude"])
def test_refuses_anything_but_plain_decimals(text: str, kind: str) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_coordinate(text, kind=kind)  # type: ignore[arg-type]
    assert caught.value.reason == "format"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("91", "latitude"), ("-91", "latitude"), ("90.0000000001", "latitude"),
     ("181", "longitude"), ("-181", "longitude"), ("999", "longitude")],
)  # fmt: skip
def test_refuses_out_of_range(text: str, kind: str) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_coordinate(text, kind=kind)  # type: ignore[arg-type]
    assert caught.value.reason == "range"


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [(" 52.5 ", "latitude", 52.5), ("52.4609", "latitude", 52.4609),
     ("-33.8688", "latitude", -33.8688), ("90", "latitude", 90.0), ("-90", "latitude", -90.0),
     ("180", "longitude", 180.0), ("-180", "longitude", -180.0), ("0", "longitude", 0.0),
     ("13.2998123456", "longitude", 13.2998123456), ("91", "longitude", 91.0)],
)  # fmt: skip
def test_accepts_plain_decimals(text: str, kind: str, expected: float) -> None:
    assert parse_coordinate(text, kind=kind) == expected  # type: ignore[arg-type]


def test_negative_zero_is_stored_as_zero() -> None:
    assert str(parse_coordinate("-0.0", kind="latitude")) == "0.0"


def test_messages_are_translated_user_facing_text(app: Flask) -> None:
    with app.test_request_context():
        with pytest.raises(CoordinateError) as caught:
            parse_coordinate("91", kind="latitude")
        assert str(caught.value) == "The latitude must be between -90 and 90."
        with pytest.raises(CoordinateError) as caught:
            parse_coordinate("abc", kind="longitude")
        assert "longitude" in str(caught.value)
