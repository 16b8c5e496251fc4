"""Organizer and admin accounts, and invitations to become one."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type

if TYPE_CHECKING:
    from app.models.event import Event

# The optional public name of an account: the default "organized by" of its new events.
PUBLIC_NAME_MAX = 80


class Role(StrEnum):
    """What an account may do: admins manage everything, organizers their own events."""

    ADMIN = "admin"
    ORGANIZER = "organizer"


def new_session_token() -> str:
    """A fresh random value; changing it ends every session of the account."""
    return secrets.token_hex(16)


class User(Base):
    """An organizer or admin. Supporters never have an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Private: seen by the account itself and admins, never on public pages or in feeds.
    display_name: Mapped[str] = mapped_column(String(80))
    # Public, if set: what new events of the account show as "organized by" (a group or a
    # pseudonym). NULL: the site's name stands in (app.events.public).
    public_name: Mapped[str | None] = mapped_column(String(PUBLIC_NAME_MAX))
    # NULL: no usable password yet (the demo organizer, before set-password).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        enum_type(Role, length=20, name="role_known"), default=Role.ORGANIZER
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An organizer who may review supporters' proposals (app.proposals); admins always may.
    is_reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Publishes directly even while new organizers' events need a reviewer (app.events.review).
    is_trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the session identity: rotated on logout, deactivation and
    # password change so that a copied cookie stops working (security.md decision 8).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The second sign-in factor (app/auth/twofactor.py). The TOTP key, encrypted with a key
    # derived from SECRET_KEY; set while enrolling, in use once ``totp_enabled_at`` is set.
    totp_secret: Mapped[str | None] = mapped_column(String(100))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last accepted code: each code is accepted once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    events: Mapped[list[Event]] = relationship(back_populates="organizer")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login's protocol, spelled out so the model needs no mixin.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Session identity: the id plus the current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def has_second_factor(self) -> bool:
        """True once a TOTP key was confirmed with a first code."""
        return self.totp_enabled_at is not None

    @property
    def may_review(self) -> bool:
        """May see the queue of supporters' proposals: active admins and reviewers."""
        return self.is_active and (self.is_admin or self.is_reviewer)


class RecoveryCode(Base):
    """A one-time code that stands in for a lost authenticator; deleted when used.

    Only the SHA-256 of the code is stored: the codes are random with 80 bits, so a
    slow hash would add nothing but work (app/auth/twofactor.py).
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Invite(Base):
    """A one-time invitation for a new organizer; only the token's hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()
