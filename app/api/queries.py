"""Reads of the JSON API: pages of listings and venues after an opaque cursor.

A cursor names where the previous page ended, so a page does not shift when an event
is added before it (keyset pagination). Lists ordered by distance (``near``) are
computed in Python (app.events.queries.nearest_listings, at most NEAR_ROWS rows):
their cursor is a position in that list.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_, select

from app.events.queries import EventFilters, Listing, listing_query, nearest_listings
from app.extensions import db
from app.models import Occurrence, Venue

T = TypeVar("T")

# Ids and positions in a cursor are below this: SQLite cannot bind larger integers.
_MAX_INT = 2**31 - 1
CURSOR_MAX = 200


class InvalidCursorError(ValueError):
    """A cursor this API did not make (or made for another list)."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: after (start, id) of an occurrence, after a venue id, or at an
    offset of a list ordered by distance."""

    starts_at: datetime | None = None
    item_id: int | None = None
    offset: int | None = None

    def encode(self) -> str:
        """The cursor as an opaque, URL-safe string."""
        fields: dict[str, Any] = {}
        if self.starts_at is not None:
            fields["s"] = self.starts_at.astimezone(UTC).isoformat()
        if self.item_id is not None:
            fields["i"] = self.item_id
        if self.offset is not None:
            fields["o"] = self.offset
        raw = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bounded(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise InvalidCursorError
    return value


def decode_cursor(text: str) -> Cursor:
    """The cursor ``text`` stands for; raises InvalidCursorError if it is not one of ours."""
    if len(text) > CURSOR_MAX:
        raise InvalidCursorError
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        fields = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursorError from None
    if not isinstance(fields, dict) or not set(fields) <= {"s", "i", "o"} or not fields:
        raise InvalidCursorError
    starts_at = None
    if "s" in fields:
        if not isinstance(fields["s"], str):
            raise InvalidCursorError
        try:
            starts_at = datetime.fromisoformat(fields["s"])
        except ValueError:
            raise InvalidCursorError from None
        if starts_at.tzinfo is None or starts_at.utcoffset():
            raise InvalidCursorError
    item_id = _bounded(fields["i"]) if "i" in fields else None
    offset = _bounded(fields["o"]) if "o" in fields else None
    return Cursor(starts_at=starts_at, item_id=item_id, offset=offset)


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    """Items of one page, and the cursor of the next (None on the last page)."""

    items: list[T]
    next: Cursor | None


def listing_page(filters: EventFilters, after: Cursor | None, limit: int) -> CursorPage[Listing]:
    """Upcoming occurrences of public events matching ``filters``, ``limit`` of them after
    ``after``: soonest first, or with ``filters.near`` nearest first.

    Raises InvalidCursorError for a cursor of another kind of list.
    """
    query = listing_query(filters)
    if filters.near is not None:
        if after is not None and (after.offset is None or after.item_id is not None):
            raise InvalidCursorError
        start = (after.offset or 0) if after is not None else 0
        found = nearest_listings(query, filters.near)
        end = start + limit
        following = Cursor(offset=end) if end < len(found) else None
        return CursorPage(found[start:end], following)
    if after is not None:
        if after.starts_at is None or after.item_id is None or after.offset is not None:
            raise InvalidCursorError
        query = query.where(
            or_(
                Occurrence.starts_at > after.starts_at,
                and_(Occurrence.starts_at == after.starts_at, Occurrence.id > after.item_id),
            )
        )
    rows = db.session.execute(
        query.order_by(Occurrence.starts_at, Occurrence.id).limit(limit + 1)
    ).all()
    items = [Listing(occurrence, event, venue) for occurrence, event, venue in rows[:limit]]
    following = None
    if len(rows) > limit:
        last = items[-1].occurrence
        following = Cursor(starts_at=last.starts_at, item_id=last.id)
    return CursorPage(items, following)


def venue_page(country: str | None, after: Cursor | None, limit: int) -> CursorPage[Venue]:
    """Missions of the bundled list (the public venues), by id, ``limit`` after ``after``.

    Addresses organizers typed in are left out: they are public only as the place of a
    public event, and are shown there. Raises InvalidCursorError for another list's cursor.
    """
    query = select(Venue).where(Venue.import_key.is_not(None))
    if country:
        query = query.where(Venue.country_code == country)
    if after is not None:
        if after.item_id is None or after.starts_at is not None or after.offset is not None:
            raise InvalidCursorError
        query = query.where(Venue.id > after.item_id)
    rows = list(db.session.scalars(query.order_by(Venue.id).limit(limit + 1)))
    following = Cursor(item_id=rows[limit - 1].id) if len(rows) > limit else None
    return CursorPage(rows[:limit], following)
