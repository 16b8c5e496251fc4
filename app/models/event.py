"""Rallies and vigils, their occurrences and skipped dates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type
from app.models.user import PUBLIC_NAME_MAX, User
from app.models.venue import TIMEZONE_MAX, Venue

TITLE_MAX = 140
DESCRIPTION_MAX = 5000
CANCEL_REASON_MAX = 500
REVIEW_NOTE_MAX = 500
CONTACT_URL_MAX = 300
# The account's public name is what new events get as "organized by": the same limit.
ORGANIZED_BY_MAX = PUBLIC_NAME_MAX
CAPACITY_MAX = 100_000


class EventKind(StrEnum):
    """What kind of gathering an event is."""

    RALLY = "rally"
    VIGIL = "vigil"
    MARCH = "march"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The kind's name in the current language: the one wording of every page and map."""
        return str(_KIND_LABELS[self])


class EventStatus(StrEnum):
    """Drafts are seen by their organizers only; cancelled events stay public."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Repeat(StrEnum):
    """How a series repeats, in the venue's local wall time."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        """The rule as the event form offers it, in the current language."""
        return str(_REPEAT_LABELS[self])


_KIND_LABELS = {
    EventKind.RALLY: _l("Rally"),
    EventKind.VIGIL: _l("Vigil"),
    EventKind.MARCH: _l("March"),
    EventKind.OTHER: _l("Other"),
}
_REPEAT_LABELS = {
    Repeat.NONE: _l("Does not repeat"),
    Repeat.DAILY: _l("Every day"),
    Repeat.WEEKLY: _l("Every week on the same weekday"),
}


def new_uid() -> str:
    """A random UUID: the event's calendar UID, stable for its whole life."""
    return str(uuid.uuid4())


class Event(Base):
    """One event, possibly repeating daily or weekly in the venue's local wall time.

    ``starts_at``/``ends_at`` are the first occurrence in UTC; ``timezone`` is the
    venue's IANA zone at the time of saving, so that the local wall time of a
    repeating vigil ("every Thursday 18:00") stays put across DST changes.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            f"capacity IS NULL OR (capacity BETWEEN 1 AND {CAPACITY_MAX})", name="capacity_range"
        ),
        # kind, status and repeat: the CHECKs of their enum types (kind_known…).
        CheckConstraint("(repeat = 'none') = (repeat_until_on IS NULL)", name="repeat_has_end"),
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[EventKind] = mapped_column(
        enum_type(EventKind, length=10, name="kind_known"), default=EventKind.RALLY
    )
    status: Mapped[EventStatus] = mapped_column(
        enum_type(EventStatus, length=10, name="status_known"),
        default=EventStatus.DRAFT,
        index=True,
    )
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="RESTRICT"))
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX))
    repeat: Mapped[Repeat] = mapped_column(
        enum_type(Repeat, length=10, name="repeat_known"), default=Repeat.NONE
    )
    # Last local date on which the series may occur (inclusive).
    repeat_until_on: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    contact_url: Mapped[str | None] = mapped_column(String(CONTACT_URL_MAX))
    # Shown to everyone as "Organized by" (app.events.public): a group or a pseudonym. The
    # account's name is never shown: people at these vigils are filmed.
    organized_by: Mapped[str | None] = mapped_column(String(ORGANIZED_BY_MAX))
    hide_count: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(CANCEL_REASON_MAX))
    # A draft whose organizer pressed "Publish" while their events still need a reviewer
    # (app.events.review): set until a reviewer publishes it or sends it back.
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reviewer's reason when they sent it back, shown to the organizer until it is published.
    review_note: Mapped[str | None] = mapped_column(String(REVIEW_NOTE_MAX))
    # design/ical.md: SEQUENCE grows on time/place/status changes, LAST-MODIFIED on any.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    venue: Mapped[Venue] = relationship(back_populates="events")
    organizer: Mapped[User] = relationship(back_populates="events")
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="Occurrence.starts_at",
        passive_deletes=True,
    )
    # No ``rsvps``: code that has an event must not reach its attendees through it
    # (design/security.md §1.3); app.rsvp queries them. The database deletes an
    # event's RSVPs and outbox messages with it (ON DELETE CASCADE).
    skips: Mapped[list[OccurrenceSkip]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="OccurrenceSkip.occurs_on",
        passive_deletes=True,
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_recurring(self) -> bool:
        return self.repeat != Repeat.NONE

    @property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT

    @property
    def awaits_review(self) -> bool:
        """A draft its organizer asked to publish, waiting for a reviewer."""
        return self.is_draft and self.review_requested_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_public(self) -> bool:
        """Visible to supporters: published, or cancelled after being published."""
        return self.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)


class Occurrence(Base):
    """One dated instance of an event, materialised so lists page with plain SQL.

    Rewritten by the events service whenever the event's time or rule changes;
    a single event has exactly one row, a series one row per date that is not skipped.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "starts_at", name="uq_occurrences_event_start"),
        UniqueConstraint("event_id", "occurs_on", name="uq_occurrences_event_date"),
        Index("ix_occurrences_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The local date at the venue: what RSVPs of a series refer to (app.models.rsvp). It
    # stays put when the organizer moves the time of day, where ``starts_at`` does not.
    occurs_on: Mapped[date] = mapped_column(Date)

    event: Mapped[Event] = relationship(back_populates="occurrences")

    @classmethod
    def at(cls, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> Occurrence:
        """The occurrence from ``starts_at`` to ``ends_at`` (UTC) at a venue in ``zone``."""
        return cls(
            starts_at=starts_at, ends_at=ends_at, occurs_on=starts_at.astimezone(zone).date()
        )


class OccurrenceSkip(Base):
    """A local date on which a recurring event does not take place."""

    __tablename__ = "occurrence_skips"
    __table_args__ = (UniqueConstraint("event_id", "occurs_on", name="uq_skips_event_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    occurs_on: Mapped[date] = mapped_column(Date)
    # Shown on the event page beside the cancelled date, and mailed to its RSVPs.
    reason: Mapped[str | None] = mapped_column(String(CANCEL_REASON_MAX))

    event: Mapped[Event] = relationship(back_populates="skips")
