"""Admin operations on accounts. Functions flush, the caller commits (STYLE.md rule 2)."""

from __future__ import annotations

from app.auth.services import set_active
from app.extensions import db
from app.models import User


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


def reactivate_account(account: User) -> None:
    """Let ``account`` sign in again (with its existing password)."""
    set_active(account, active=True)
    db.session.flush()


def set_reviewer(account: User, *, is_reviewer: bool) -> None:
    """Let ``account`` review supporters' proposals (/admin/proposals), or no longer."""
    account.is_reviewer = is_reviewer
    db.session.flush()
