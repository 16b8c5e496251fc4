"""Reading the audit log: newest first, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from app.extensions import db
from app.models import AuditAction, AuditEntry, AuditSubject, User

PER_PAGE = 50
# The CSV holds at most this many entries (the newest), so one request stays bounded.
EXPORT_MAX = 10_000


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to; None: no condition. ``actor_id`` 0: the command line."""

    action: AuditAction | None = None
    actor_id: int | None = None
    subject_type: AuditSubject | None = None
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filtered(filters: AuditFilters) -> Select[AuditEntry]:
    """The entries matching ``filters``, newest first (dates are whole UTC days)."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor_id == 0:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.subject_type is not None:
        query = query.where(AuditEntry.subject_type == filters.subject_type)
    if filters.since is not None:
        query = query.where(AuditEntry.created_at >= _day_start(filters.since))
    if filters.until is not None:
        query = query.where(AuditEntry.created_at < _day_start(filters.until + timedelta(days=1)))
    return query


def export_entries(filters: AuditFilters) -> list[AuditEntry]:
    """The newest ``EXPORT_MAX`` entries matching ``filters``."""
    return list(db.session.scalars(filtered(filters).limit(EXPORT_MAX)))


def actor_choices() -> list[tuple[int, str]]:
    """Every account as (id, current name), for the actor filter."""
    rows = db.session.execute(select(User.id, User.display_name).order_by(User.display_name))
    return [(row.id, row.display_name) for row in rows]
