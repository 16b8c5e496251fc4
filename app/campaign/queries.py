"""Reads of the campaign statement."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import StatementVersion


def pinned_statement() -> StatementVersion | None:
    """The pinned version of the statement, or None before one was loaded."""
    # A bare boolean condition matches the partial unique index's WHERE clause.
    return db.session.scalar(select(StatementVersion).where(StatementVersion.is_pinned))


def statement_history() -> list[StatementVersion]:
    """Every version, newest first, with its author loaded (templates run no queries)."""
    return list(
        db.session.scalars(
            select(StatementVersion)
            .options(joinedload(StatementVersion.created_by))
            .order_by(StatementVersion.created_at.desc(), StatementVersion.id.desc())
        )
    )


def get_statement_version_or_404(version_id: int) -> StatementVersion:
    """The version with ``version_id`` and its author; 404 if there is none."""
    version = db.session.get(
        StatementVersion, version_id, options=[joinedload(StatementVersion.created_by)]
    )
    if version is None:
        abort(404)
    return version
