"""The audit log: who changed what in the accounts, events and the statement, and when.

Append-only: the app has no path that updates or deletes an entry, and the database
refuses both (triggers of migration 20261205_0851, on PostgreSQL and SQLite). It holds
no attendee data, no e-mails, tokens or IPs, so no purge ever needs to touch it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_utc
from app.db import Base, UTCDateTime, enum_type


class AuditAction(StrEnum):
    """What was done. Proposal actions are recorded by the review queue."""

    EVENT_CREATED = "event.created"
    EVENT_UPDATED = "event.updated"
    EVENT_PUBLISHED = "event.published"
    EVENT_CANCELLED = "event.cancelled"
    EVENT_REINSTATED = "event.reinstated"
    EVENT_DATE_CANCELLED = "event.date_cancelled"
    EVENT_REVIEW_REQUESTED = "event.review_requested"
    EVENT_APPROVED = "event.approved"
    EVENT_SENT_BACK = "event.sent_back"
    STATEMENT_PUBLISHED = "statement.published"
    ACCOUNT_INVITED = "account.invited"
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    ACCOUNT_PASSWORD_SET = "account.password_set"  # noqa: S105  (an action name, no secret)
    ACCOUNT_PUBLIC_NAME_SET = "account.public_name_set"
    ACCOUNT_SECOND_FACTOR_ON = "account.second_factor_on"
    ACCOUNT_SECOND_FACTOR_OFF = "account.second_factor_off"
    ACCOUNT_REVIEWER_SET = "account.reviewer_set"
    ACCOUNT_TRUST_SET = "account.trust_set"
    SETTINGS_CHANGED = "settings.changed"
    INVITATION_REVOKED = "invitation.revoked"
    PROPOSAL_APPROVED = "proposal.approved"
    PROPOSAL_REJECTED = "proposal.rejected"
    PROPOSAL_CHANGES_REQUESTED = "proposal.changes_requested"
    PROPOSAL_LINK_REVOKED = "proposal.link_revoked"

    @property
    def label(self) -> str:
        """The action in the current language, as the log's page and filter show it; the CSV
        keeps the code (``value``), which stays the same in every language."""
        return str(_ACTION_LABELS[self])


class AuditSubject(StrEnum):
    """The kind of thing an entry is about."""

    EVENT = "event"
    STATEMENT = "statement"
    ACCOUNT = "account"
    INVITATION = "invitation"
    PROPOSAL = "proposal"
    SETTINGS = "settings"

    @property
    def label(self) -> str:
        """The kind of thing in the current language, as the log's page and filter show it."""
        return str(_SUBJECT_LABELS[self])


_ACTION_LABELS = {
    AuditAction.EVENT_CREATED: _l("Event created"),
    AuditAction.EVENT_UPDATED: _l("Event changed"),
    AuditAction.EVENT_PUBLISHED: _l("Event published"),
    AuditAction.EVENT_CANCELLED: _l("Event cancelled"),
    AuditAction.EVENT_REINSTATED: _l("Event reinstated"),
    AuditAction.EVENT_DATE_CANCELLED: _l("One date of an event cancelled"),
    AuditAction.EVENT_REVIEW_REQUESTED: _l("Event sent for review"),
    AuditAction.EVENT_APPROVED: _l("Event approved by a reviewer"),
    AuditAction.EVENT_SENT_BACK: _l("Event sent back to its organizer"),
    AuditAction.STATEMENT_PUBLISHED: _l("Statement published"),
    AuditAction.ACCOUNT_INVITED: _l("Organizer invited"),
    AuditAction.ACCOUNT_CREATED: _l("Account created"),
    AuditAction.ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    AuditAction.ACCOUNT_REACTIVATED: _l("Account reactivated"),
    AuditAction.ACCOUNT_PASSWORD_SET: _l("Password set"),
    AuditAction.ACCOUNT_PUBLIC_NAME_SET: _l("Public name changed"),
    AuditAction.ACCOUNT_SECOND_FACTOR_ON: _l("Two-step sign-in turned on"),
    AuditAction.ACCOUNT_SECOND_FACTOR_OFF: _l("Two-step sign-in turned off"),
    AuditAction.ACCOUNT_REVIEWER_SET: _l("Reviewer permission changed"),
    AuditAction.ACCOUNT_TRUST_SET: _l("Trust changed (publishes without review)"),
    AuditAction.SETTINGS_CHANGED: _l("Site setting changed"),
    AuditAction.INVITATION_REVOKED: _l("Invitation revoked"),
    AuditAction.PROPOSAL_APPROVED: _l("Proposal approved"),
    AuditAction.PROPOSAL_REJECTED: _l("Proposal rejected"),
    AuditAction.PROPOSAL_CHANGES_REQUESTED: _l("Proposal sent back for changes"),
    AuditAction.PROPOSAL_LINK_REVOKED: _l("Host's private link revoked"),
}
_SUBJECT_LABELS = {
    AuditSubject.EVENT: _l("Event"),
    AuditSubject.STATEMENT: _l("Statement"),
    AuditSubject.ACCOUNT: _l("Account"),
    AuditSubject.INVITATION: _l("Invitation"),
    AuditSubject.PROPOSAL: _l("Proposal"),
    AuditSubject.SETTINGS: _l("Settings"),
}


ACTOR_NAME_MAX = 80
LABEL_MAX = 200
SUMMARY_MAX = 300


class AuditEntry(Base):
    """One recorded action. ``actor_id`` None: done on the command line."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # RESTRICT, not SET NULL: an update of an entry is refused, so is the account's deletion.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # The account's name when it acted: a later rename does not rewrite history.
    actor_name: Mapped[str] = mapped_column(String(ACTOR_NAME_MAX))
    action: Mapped[AuditAction] = mapped_column(
        enum_type(AuditAction, length=40, name="action_known"), index=True
    )
    subject_type: Mapped[AuditSubject] = mapped_column(
        enum_type(AuditSubject, length=20, name="subject_type_known")
    )
    subject_id: Mapped[int | None]
    label: Mapped[str] = mapped_column(String(LABEL_MAX), default="")
    # Field names only, never values of personal data.
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
