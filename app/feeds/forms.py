"""Query-string filters of /calendar.ics (the place filters, near and radius)."""

from __future__ import annotations

from app.events.forms import PlaceFilterForm
from app.feeds.queries import FeedFilters


class FeedFilterForm(PlaceFilterForm):
    """Filters of /calendar.ics, with the feed's identity (its canonical query)."""

    def filters(self) -> FeedFilters:
        """The validated filters; call after ``validate()`` returned True."""
        return FeedFilters(
            country=self.country_code,
            city=self.city.data or None,
            kind=self.kind.data or None,
            near=self.near_point,
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
