"""The pinned campaign statement, its translations and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime
from app.models.user import User


class StatementVersion(Base):
    """One version of the campaign statement in one language.

    At most one version is pinned per language, and at most one pinned version is the
    original (not a translation): pages show the pinned version in the page language,
    else the original (app.campaign.queries.statement_for).
    """

    __tablename__ = "statement_versions"
    __table_args__ = (
        # Enforced by the database on both engines, so two admins publishing at once
        # cannot leave two pinned versions of a language, or two originals.
        Index(
            "uq_statement_versions_pinned_language",
            "language",
            unique=True,
            sqlite_where=text("is_pinned"),
            postgresql_where=text("is_pinned"),
        ),
        Index(
            "uq_statement_versions_pinned_original",
            "is_pinned",
            unique=True,
            sqlite_where=text("is_pinned AND NOT is_translation"),
            postgresql_where=text("is_pinned AND NOT is_translation"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    byline: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    # A code of app.config.LANGUAGES: the language the text is written in.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # A translation of the original (shown with a note and a link to the original).
    is_translation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()
