"""Account operations. Functions flush, the caller commits (STYLE.md rule 2)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from app import mail
from app.audit import record
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.clock import now_utc
from app.extensions import db
from app.models import AuditAction, AuditSubject, Invite, Role, User
from app.models.user import new_session_token
from app.urls import absolute_url

log = logging.getLogger(__name__)

INVITE_LIFETIME = timedelta(days=7)
REGISTRATION_LIFETIME = timedelta(days=2)
EMAIL_MAX = 254
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account operation cannot be done; the message is safe to show."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX and bool(_EMAIL_SHAPE.match(email))


def hash_token(token: str) -> str:
    """SHA-256 of a random token: what we store instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    Unknown e-mail, wrong password and deactivated account cost the same
    Argon2 work and give the same answer (design/security.md T12, T13).
    """
    user = get_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def create_user(
    *, email: str, display_name: str, password: str | None, role: Role = Role.ORGANIZER
) -> User:
    """Create an account; ``password`` None leaves it without a usable password."""
    email = normalize_email(email)
    if not is_valid_email(email):
        raise AccountError("invalid-email")
    if get_user_by_email(email) is not None:
        raise AccountError("email-taken")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    log.info("account %s created with role %s", user.id, role)
    return user


def set_public_name(user: User, public_name: str) -> bool:
    """Set (or with "" remove) the account's public name; returns True if it changed.

    Only new events take it as their "organized by": events already made keep theirs.
    """
    value = public_name.strip() or None
    if value == user.public_name:
        return False
    user.public_name = value
    db.session.flush()
    record(
        AuditAction.ACCOUNT_PUBLIC_NAME_SET,
        actor=user,
        subject_type=AuditSubject.ACCOUNT,
        subject_id=user.id,
        label=user.display_name,
        summary="public_name" if value else "public_name (removed)",
    )
    log.info("account %s changed its public name", user.id)
    return True


def _registration_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="vigil.auth.register")


def start_registration(*, email: str, display_name: str, password: str) -> str | None:
    """Begin open registration: the token that finishes it, or None if the e-mail is taken.

    Both paths do the same work, so neither the answer nor its time tells whether an
    account exists (design/security.md TH13): the password is hashed either way (on the
    taken path the hash is thrown away) and the caller mails the address either way
    (``send_registration_mail``). Nothing is written: the account is created only by
    ``finish_registration``, from the signed token mailed to the address.
    """
    email = normalize_email(email)
    password_hash = hash_password(password)
    if get_user_by_email(email) is not None:
        return None
    payload = {
        "email": email,
        "display_name": display_name,
        "password_hash": password_hash,
        "issued_at": int(now_utc().timestamp()),
    }
    token: str = _registration_serializer().dumps(payload)
    return token


def send_registration_mail(*, email: str, token: str | None) -> None:
    """Mail the confirmation link, or (token None) a note that the address has an account.

    Same subject both ways. Never raises for mail problems: a failure is logged without
    the address, and the visitor sees the same answer.
    """
    if token is None:
        body = render_template("mail/register_taken.txt", login_url=absolute_url("auth.login"))
    else:
        confirm_url = absolute_url("auth.confirm_registration") + "#" + token
        body = render_template("mail/register_confirm.txt", confirm_url=confirm_url)
    subject = _("Your Vigil organizer account")
    mail.send_or_log(normalize_email(email), subject, body, what="registration")


def finish_registration(token: str) -> User:
    """Create the organizer account that ``token`` (from ``start_registration``) describes.

    Raises ``AccountError("registration-link")`` when the token is forged, older than
    ``REGISTRATION_LIFETIME`` or already used (its e-mail now has an account).
    """
    try:
        payload = _registration_serializer().loads(token)
        email, display_name = str(payload["email"]), str(payload["display_name"])
        password_hash, issued_at = str(payload["password_hash"]), int(payload["issued_at"])
    except (BadData, KeyError, TypeError, ValueError) as exc:
        raise AccountError("registration-link") from exc
    if now_utc().timestamp() - issued_at > REGISTRATION_LIFETIME.total_seconds():
        raise AccountError("registration-link")
    if get_user_by_email(email) is not None:
        raise AccountError("registration-link")
    user = create_user(email=email, display_name=display_name, password=None)
    user.password_hash = password_hash
    record_account(AuditAction.ACCOUNT_CREATED, user, actor=user, summary="registration")
    return user


def record_account(
    action: AuditAction, account: User, *, actor: User | None, summary: str = ""
) -> None:
    """Record ``action`` on ``account`` in the audit log (its name as label, never its e-mail)."""
    record(
        action,
        actor=actor,
        subject_type=AuditSubject.ACCOUNT,
        subject_id=account.id,
        label=account.display_name,
        summary=summary,
    )


def set_password(user: User, password: str) -> None:
    """Replace the password and end every session of the account."""
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()


def end_sessions(user: User) -> None:
    """Make every issued session cookie of ``user`` stop working."""
    user.session_token = new_session_token()


def set_active(user: User, *, active: bool) -> None:
    """Deactivate (ending all sessions) or reactivate an account."""
    user.is_active = active
    if not active:
        end_sessions(user)
    log.info("account %s active=%s", user.id, active)


def create_invite(*, email: str, created_by: User) -> tuple[Invite, str]:
    """Create an invitation; returns it with the one-time token (only its hash is stored)."""
    email = normalize_email(email)
    if not is_valid_email(email):
        raise AccountError("invalid-email")
    if get_user_by_email(email) is not None:
        raise AccountError("email-taken")
    token = secrets.token_urlsafe(32)
    invite = Invite(
        email=email,
        token_hash=hash_token(token),
        created_by=created_by,
        expires_at=now_utc() + INVITE_LIFETIME,
    )
    db.session.add(invite)
    db.session.flush()
    # The invitation's e-mail is not recorded: the entry names the invitation by its id.
    record(
        AuditAction.ACCOUNT_INVITED,
        actor=created_by,
        subject_type=AuditSubject.INVITATION,
        subject_id=invite.id,
        label="",
    )
    return invite, token


def find_valid_invite(token: str) -> Invite | None:
    """The unused, unexpired invitation for ``token``, or None."""
    if not token or len(token) > 100:
        return None
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now_utc():
        return None
    return invite


def accept_invite(invite: Invite, *, display_name: str, password: str) -> User:
    """Turn an invitation into an organizer account; the invitation is used up."""
    user = create_user(email=invite.email, display_name=display_name, password=password)
    invite.used_at = now_utc()
    record_account(AuditAction.ACCOUNT_CREATED, user, actor=user, summary="invitation")
    return user


def revoke_invite(invite: Invite, *, revoked_by: User) -> None:
    """Delete an unused invitation, so its link stops working at once.

    An accepted invitation is the record of how an account came to be: it stays, and
    ``AccountError("invite-used")`` is raised. Deleting needs no "revoked" state: an
    unknown token and a revoked one are the same to ``find_valid_invite``.
    """
    if invite.used_at is not None:
        raise AccountError("invite-used")
    invite_id = invite.id
    db.session.delete(invite)
    db.session.flush()
    record(
        AuditAction.INVITATION_REVOKED,
        actor=revoked_by,
        subject_type=AuditSubject.INVITATION,
        subject_id=invite_id,
        label="",
    )
    log.info("invite %s revoked", invite.id)


def list_accounts() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def list_open_invites() -> list[Invite]:
    return list(
        db.session.scalars(
            select(Invite)
            .where(Invite.used_at.is_(None), Invite.expires_at > now_utc())
            .order_by(Invite.created_at.desc())
        )
    )
