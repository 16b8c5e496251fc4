"""Reads of the campaign statement."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import StatementVersion


def pinned_statement() -> StatementVersion | None:
    """The pinned original of the statement, or None before one was loaded."""
    # Bare boolean conditions match the partial unique index's WHERE clause.
    return db.session.scalar(
        select(StatementVersion).where(StatementVersion.is_pinned, ~StatementVersion.is_translation)
    )


def pinned_in(language: str) -> StatementVersion | None:
    """The version pinned in ``language`` (the original or a translation), or None."""
    return db.session.scalar(
        select(StatementVersion).where(
            StatementVersion.is_pinned, StatementVersion.language == language
        )
    )


@dataclass(frozen=True)
class ShownStatement:
    """What a page in some language shows of the statement.

    ``version``: the pinned version in the page language, else the original.
    ``original``: the pinned original when ``version`` is a translation (for its link).
    ``is_fallback``: the page language has no version; ``version`` is the original.
    """

    version: StatementVersion
    original: StatementVersion | None = None
    is_fallback: bool = False


def statement_for(language: str) -> ShownStatement | None:
    """The statement for a page in ``language``; None before one was loaded."""
    pinned = {
        version.language: version
        for version in db.session.scalars(
            select(StatementVersion).where(StatementVersion.is_pinned)
        )
    }
    original = next((v for v in pinned.values() if not v.is_translation), None)
    version = pinned.get(language)
    if version is not None:
        return ShownStatement(version, original if version.is_translation else None)
    if original is None:
        return None
    return ShownStatement(original, is_fallback=True)


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
