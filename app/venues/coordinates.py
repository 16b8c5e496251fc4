"""Parsing latitude and longitude typed by people or read from the bundled list.

design/security.md T42: only plain decimal numbers are accepted, so NaN,
infinities, exponents ("1e309"), hexadecimal ("0x10"), decimal commas ("52,5")
and trailing junk never reach the database.
"""

from __future__ import annotations

import re
from typing import Literal

from flask_babel import lazy_gettext as _l

# ASCII digits only: \d would also accept Persian or Arabic-Indic digits, which
# float() converts silently; fullmatch so that "$" cannot match before a newline.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,10})?")
_LIMITS = {"latitude": 90.0, "longitude": 180.0}

CoordinateKind = Literal["latitude", "longitude"]


class CoordinateError(ValueError):
    """A coordinate was refused. ``args[0]`` is a lazily translated, user-facing message.

    ``reason`` is "format" (not a plain decimal number) or "range" (a number
    outside the allowed range), for callers that word their own messages.
    """

    def __init__(self, message: object, *, reason: Literal["format", "range"]) -> None:
        super().__init__(message)
        self.reason = reason


def parse_coordinate(text: str, *, kind: CoordinateKind) -> float:
    """Return ``text`` as a latitude (-90 to 90) or longitude (-180 to 180) in decimal degrees.

    Surrounding white space is trimmed; then only ``-?DDD(.D{1,10})?`` is
    accepted. Raises CoordinateError (a ValueError) with a translated message
    otherwise; WTForms shows that message as the field's error.
    """
    value = text.strip()
    if not _PLAIN_DECIMAL.fullmatch(value):
        if kind == "latitude":
            message = _l("Enter the latitude as a decimal number, for example 52.4609.")
        else:
            message = _l("Enter the longitude as a decimal number, for example 13.2998.")
        raise CoordinateError(message, reason="format")
    number = float(value)
    if abs(number) > _LIMITS[kind]:
        if kind == "latitude":
            message = _l("The latitude must be between -90 and 90.")
        else:
            message = _l("The longitude must be between -180 and 180.")
        raise CoordinateError(message, reason="range")
    # "-0" and "-0.0" are the same place as 0; store one spelling.
    return number + 0.0
