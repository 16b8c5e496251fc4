"""RSVPs: the minimum a supporter leaves when saying "I'll be there" (design/security.md §1.3)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

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
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type

if TYPE_CHECKING:
    from app.models.event import Event

DISPLAY_NAME_MAX = 40
PARTY_SIZE_MAX = 5
EMAIL_MAX = 254


class RsvpStatus(StrEnum):
    """Going, or waiting for a place to free up."""

    GOING = "going"
    WAITLISTED = "waitlisted"

    @property
    def label(self) -> str:
        """The status in the current language, as the organizer's list and CSV show it."""
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {RsvpStatus.GOING: _l("Going"), RsvpStatus.WAITLISTED: _l("Waiting list")}


class NoticeKind(StrEnum):
    """What an outbox message tells (app.rsvp.notices); never user text."""

    CHANGED = "changed"
    CANCELLED = "cancelled"
    DATE_CANCELLED = "date-cancelled"
    REINSTATED = "reinstated"
    PROMOTED = "promoted"
    MANAGE_LINK = "manage-link"


class Rsvp(Base):
    """One supporter's RSVP for one date. No IP, no user agent, no real name, no time
    finer than the day. A supporter who chooses several dates of a series has one row
    per date, all with the same code, name, party size and e-mail.

    The manage token is stored only as its SHA-256; the e-mail, if given, serves
    change notices only and is deleted with the row after the event.
    """

    __tablename__ = "rsvps"
    __table_args__ = (
        CheckConstraint(f"party_size BETWEEN 1 AND {PARTY_SIZE_MAX}", name="party_size_range"),
        # status: the CHECK of its enum type (status_known).
        Index("ix_rsvps_event_date_status", "event_id", "occurs_on", "status"),
        # One row per code and date; also the index that finds a code's rows.
        UniqueConstraint("token_hash", "occurs_on", name="uq_rsvps_code_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # The local date of the occurrence (app.models.event.Occurrence.occurs_on): capacity,
    # the waiting list, notices and the purge are per date.
    occurs_on: Mapped[date] = mapped_column(Date)
    # Shared by the rows of one supporter's dates: one private code manages them all.
    token_hash: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))
    party_size: Mapped[int] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    # Notices go only to an address its owner confirmed (app.rsvp.consent): anyone can
    # type anyone's address into the form. The confirmation code is stored as its SHA-256.
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    confirm_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[RsvpStatus] = mapped_column(
        enum_type(RsvpStatus, length=12, name="status_known")
    )
    # The page language at the time of the RSVP: later notices are written in it.
    locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # The day only: finer timestamps could be matched against phone records.
    created_on: Mapped[date] = mapped_column(Date)

    # One way only: an Event has no ``rsvps`` (see app.models.event).
    event: Mapped[Event] = relationship()

    @property
    def is_going(self) -> bool:
        return self.status == RsvpStatus.GOING


class OutboxMessage(Base):
    """A notice waiting to be sent; deleted once sent (it holds an e-mail address)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX))
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind, length=20, name="kind_known"))
    locale: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
