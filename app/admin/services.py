"""Admin operations on accounts. Functions flush, the caller commits (STYLE.md rule 2)."""

from __future__ import annotations

from app.audit import record
from app.auth.services import record_account, set_active
from app.extensions import db
from app.models import AuditAction, AuditSubject, SiteSettings, User
from app.models.settings import SETTINGS_ID


class SelfDeactivationError(ValueError):
    """An admin tried to deactivate their own account (it would lock them out)."""


def deactivate_account(account: User, *, acting_admin: User) -> None:
    """Deactivate ``account`` and end all its sessions at once.

    Raises SelfDeactivationError if ``account`` is ``acting_admin``: the last
    admin could otherwise lock everyone out of the admin area.
    """
    if account.id == acting_admin.id:
        raise SelfDeactivationError
    set_active(account, active=False)
    db.session.flush()
    record_account(AuditAction.ACCOUNT_DEACTIVATED, account, actor=acting_admin)


def reactivate_account(account: User, *, acting_admin: User) -> None:
    """Let ``account`` sign in again (with its existing password)."""
    set_active(account, active=True)
    db.session.flush()
    record_account(AuditAction.ACCOUNT_REACTIVATED, account, actor=acting_admin)


def set_reviewer(account: User, *, is_reviewer: bool, acting_admin: User) -> None:
    """Let ``account`` review supporters' proposals (/admin/proposals), or no longer."""
    account.is_reviewer = is_reviewer
    db.session.flush()
    summary = "reviewer" if is_reviewer else "not a reviewer"
    record_account(AuditAction.ACCOUNT_REVIEWER_SET, account, actor=acting_admin, summary=summary)


def set_trusted(account: User, *, trusted: bool, acting_admin: User) -> None:
    """Let ``account`` publish without a reviewer while new organizers' events are reviewed."""
    account.is_trusted = trusted
    db.session.flush()
    summary = "trusted" if trusted else "not trusted"
    record_account(AuditAction.ACCOUNT_TRUST_SET, account, actor=acting_admin, summary=summary)


def set_review_new_organizers(enabled: bool, *, acting_admin: User) -> None:
    """Switch the review of untrusted organizers' events (app.events.review) on or off."""
    settings = db.session.get(SiteSettings, SETTINGS_ID)
    if settings is None:
        settings = SiteSettings(id=SETTINGS_ID)
        db.session.add(settings)
    settings.review_new_organizers = enabled
    db.session.flush()
    record(
        AuditAction.SETTINGS_CHANGED,
        actor=acting_admin,
        subject_type=AuditSubject.SETTINGS,
        subject_id=None,
        label="review_new_organizers",
        summary="on" if enabled else "off",
    )
