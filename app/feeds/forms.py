"""Query-string filters of /calendar.ics: the place filters (app.events.filters)."""

from __future__ import annotations

from app.events.filters import PlaceFilterForm
from app.feeds.queries import FeedFilters


class FeedFilterForm(PlaceFilterForm):
    """Filters of /calendar.ics."""

    def filters(self) -> FeedFilters:
        """The validated filters; call after ``validate()`` returned True."""
        return FeedFilters(
            country=self.country_code,
            city=self.city.data or None,
            kind=self.kind.data or None,
            near=self.near_point,
        )
