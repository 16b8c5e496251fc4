"""Places where events happen: Iranian missions from the bundled list, or other addresses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type

if TYPE_CHECKING:
    from app.models.event import Event

# Column lengths, also the limits of the forms and the mission import (STYLE.md rule 3).
IMPORT_KEY_MAX = 220
NAME_MAX = 200
MISSION_KIND_MAX = 40
ADDRESS_MAX = 300
CITY_MAX = 100
COUNTRY_CODE_LENGTH = 2  # ISO 3166-1 alpha-2
TIMEZONE_MAX = 64  # IANA zone names are far shorter
SOURCE_URL_MAX = 500


class VenueKind(StrEnum):
    """Missions by their main kind (the list's finer kind is ``Venue.mission_kind``)."""

    EMBASSY = "embassy"
    CONSULATE = "consulate"
    OTHER = "other"


class VenueStatus(StrEnum):
    """Whether a mission is reported open; typed-in addresses are open."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class Venue(Base):
    """A place with an address, optional coordinates and an IANA time zone."""

    __tablename__ = "venues"
    __table_args__ = (
        # kind and status: the CHECKs of their enum types (kind_known, status_known).
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="lat_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="lon_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_lon_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key of a mission from the bundled list ("mission:<name>"); NULL for
    # addresses organizers typed in. Re-imports update the row it names.
    import_key: Mapped[str | None] = mapped_column(String(IMPORT_KEY_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    kind: Mapped[VenueKind] = mapped_column(
        enum_type(VenueKind, length=20, name="kind_known"), default=VenueKind.OTHER
    )
    # The list's finer kind (consulate_general, interests_section, un_mission…).
    mission_kind: Mapped[str | None] = mapped_column(String(MISSION_KIND_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    city: Mapped[str] = mapped_column(String(CITY_MAX), index=True)
    country_code: Mapped[str] = mapped_column(String(COUNTRY_CODE_LENGTH), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX))
    # True when a person set the zone; imports then leave it alone.
    timezone_is_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[VenueStatus] = mapped_column(
        enum_type(VenueStatus, length=10, name="status_known"), default=VenueStatus.UNKNOWN
    )
    source_url: Mapped[str | None] = mapped_column(String(SOURCE_URL_MAX))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    events: Mapped[list[Event]] = relationship(back_populates="venue")

    @property
    def has_coordinates(self) -> bool:
        """False for missions whose pin still needs to be placed by a person."""
        return self.latitude is not None and self.longitude is not None

    @property
    def is_closed(self) -> bool:
        return self.status == VenueStatus.CLOSED
