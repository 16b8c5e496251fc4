"""Reading venues: what an organizer may pick for an event."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from app.extensions import db
from app.models import User, Venue


def _selectable_by(user: User) -> ColumnElement[bool]:
    """Missions from the bundled list, plus the user's own custom venues (admins: all)."""
    if user.is_admin:
        return true()
    return or_(Venue.import_key.is_not(None), Venue.created_by_id == user.id)


def selectable_venues(user: User) -> list[Venue]:
    """Venues ``user`` may choose for an event, ordered by country code, city and name.

    Closed missions are included: the form shows them as closed and asks for a
    confirmation before one is used for a new event.
    """
    statement = (
        select(Venue)
        .where(_selectable_by(user))
        .order_by(Venue.country_code, Venue.city, Venue.name, Venue.id)
    )
    return list(db.session.scalars(statement))


def mission_country_codes() -> list[str]:
    """Countries with a mission from the bundled list: the country filter's options."""
    return list(
        db.session.scalars(
            select(Venue.country_code).where(Venue.import_key.is_not(None)).distinct()
        )
    )


def get_venue(venue_id: int) -> Venue | None:
    """The venue with this id, or None. Does not check who may use it."""
    return db.session.get(Venue, venue_id)


def get_selectable_venue(user: User, venue_id: int) -> Venue | None:
    """The venue with this id if ``user`` may choose it (see selectable_venues), else None.

    Another organizer's custom venue gives None, exactly like a missing id.
    """
    return db.session.scalars(
        select(Venue).where(Venue.id == venue_id, _selectable_by(user))
    ).first()
