"""Query-string filters of /map and /events.geojson: the list's filters plus a map area."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import Length

from app.events.filters import FilterForm
from app.forms import CleanStringField
from app.venues.geo import BBox, parse_bbox


class MapFilterForm(FilterForm):
    """Filters of /map and /events.geojson: those of /events and ``bbox``."""

    bbox = CleanStringField(
        _l("Map area"),
        validators=[Length(max=100)],
        description=_l("west,south,east,north in decimal degrees."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area: BBox | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.bbox.data and not self.bbox.errors:
            try:
                self.area = parse_bbox(self.bbox.data)
            except ValueError:
                self.bbox.errors = [
                    _("Enter the map area as west,south,east,north in decimal degrees.")
                ]
                ok = False
        return ok

    def canonical_value(self, field: Field) -> str:
        if field is self.bbox:
            return self.bbox.data if self.area is not None else ""
        return super().canonical_value(field)
