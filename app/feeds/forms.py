"""Query-string filters of /calendar.ics (the list's filters, plus near and radius)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import Length, NumberRange, Optional

from app.events.forms import PlaceFilterForm
from app.feeds.queries import FeedFilters, Near
from app.forms import CleanStringField
from app.venues.coordinates import parse_coordinate
from app.venues.places import find_city

RADIUS_DEFAULT_KM = 50
RADIUS_MAX_KM = 2000
_LAT_LON = re.compile(r"^\s*([^,]+),([^,]+)$")


class FeedFilterForm(PlaceFilterForm):
    """Filters of /calendar.ics: the place filters plus near and radius."""

    near = CleanStringField(
        _l("Near"),
        validators=[Length(max=100)],
        description=_l("A city, or a position as latitude,longitude."),
    )
    radius_km = IntegerField(
        _l("Radius (km)"),
        validators=[Optional(), NumberRange(min=1, max=RADIUS_MAX_KM)],
        default=RADIUS_DEFAULT_KM,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.position: tuple[float, float] | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.near.data and not self.near.errors:
            self.position = self._position(self.near.data)
            if self.position is None:
                self.near.errors = [_("Unknown place. Enter a city or latitude,longitude.")]
                ok = False
        return ok

    @staticmethod
    def _position(text: str) -> tuple[float, float] | None:
        match = _LAT_LON.match(text)
        if match is None:
            return find_city(text)
        try:
            return (
                parse_coordinate(match.group(1), kind="latitude"),
                parse_coordinate(match.group(2), kind="longitude"),
            )
        except ValueError:
            return None

    def filters(self) -> FeedFilters:
        """The validated filters; call after ``validate()`` returned True."""
        near = None
        if self.position is not None:
            radius = self.radius_km.data or RADIUS_DEFAULT_KM
            near = Near(latitude=self.position[0], longitude=self.position[1], radius_km=radius)
        return FeedFilters(
            country=self.country_code,
            city=self.city.data or None,
            kind=self.kind.data or None,
            near=near,
        )

    def canonical_args(self) -> dict[str, str]:
        """The filters as query arguments in a fixed order: the feed's identity."""
        args = {
            "country": self.country_code or "",
            "city": self.city.data or "",
            "kind": self.kind.data or "",
            "near": self.near.data or "",
            "radius_km": str(self.radius_km.data) if self.near.data else "",
        }
        return {key: value for key, value in args.items() if value}
