"""Supporters' proposals to host a vigil at a mission ("Host a vigil at your consulate").

A proposal is typed in by someone without an account; it becomes a published event only
after its host confirmed their e-mail address and a reviewer approved it. The host's
address is private: used to confirm the proposal and to mail the private management link,
masked for reviewers, and deleted 24 hours after the (last) date, like RSVP addresses
(design/security.md decision 12). Codes are stored only as their SHA-256.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type
from app.models.event import Event, Repeat
from app.models.user import PUBLIC_NAME_MAX
from app.models.venue import TIMEZONE_MAX, Venue

PROPOSAL_DESCRIPTION_MAX = 1000
HOST_NAME_MAX = PUBLIC_NAME_MAX  # becomes the event's "organized by"
HOST_EMAIL_MAX = 254
REVIEW_REASON_MAX = 500


class ProposalStatus(StrEnum):
    """Where a proposal stands: only pending ones are in the review queue."""

    UNCONFIRMED = "unconfirmed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


class Proposal(Base):
    """A supporter's proposed vigil at a mission, in the mission's local wall time."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(repeat = 'none') = (repeat_until_on IS NULL)", name="repeat_has_end"),
        CheckConstraint("last_ends_at >= ends_at", name="last_end_after_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, length=20, name="status_known"),
        default=ProposalStatus.UNCONFIRMED,
        index=True,
    )
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The end of the last date of a weekly series (of the one date otherwise): the host's
    # address is deleted 24 hours after it.
    last_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX))
    repeat: Mapped[Repeat] = mapped_column(
        enum_type(Repeat, length=10, name="repeat_known"), default=Repeat.NONE
    )
    repeat_until_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    host_name: Mapped[str] = mapped_column(String(HOST_NAME_MAX))
    # NULL once purged (24 h after the last date, or a week after an unconfirmed proposal).
    host_email: Mapped[str | None] = mapped_column(String(HOST_EMAIL_MAX))
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    manage_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Why a reviewer rejected or asked for changes; mailed to the host.
    review_reason: Mapped[str | None] = mapped_column(String(REVIEW_REASON_MAX))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    venue: Mapped[Venue] = relationship()
    event: Mapped[Event | None] = relationship()
