"""The pinned campaign statement and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.db import Base, UTCDateTime
from app.models.user import User


class StatementVersion(Base):
    """One version of the campaign statement; exactly one is pinned at a time."""

    __tablename__ = "statement_versions"
    __table_args__ = (
        # At most one pinned row, enforced by the database on both engines.
        Index(
            "uq_statement_versions_pinned",
            "is_pinned",
            unique=True,
            sqlite_where=text("is_pinned"),
            postgresql_where=text("is_pinned"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    byline: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()
