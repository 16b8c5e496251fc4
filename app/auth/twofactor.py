"""The second sign-in factor: time-based one-time codes (TOTP, RFC 6238) and recovery codes.

Decisions:

- Admins and reviewers must have it when ``REQUIRE_2FA`` is on (``needs_second_factor``);
  organizers may turn it on. An account that must have it but has none can reach nothing
  behind the sign-in but the enrolment page (app.auth.guards).
- A key is in use only after a first valid code confirmed it, so a key that never reached
  the authenticator app cannot lock the account out.
- Each code is accepted once: the time step of the last accepted code is stored, and only
  later steps are accepted (a code seen over a shoulder or in a proxy cannot be replayed).
  The step before and after the current one are accepted for clock drift.
- The key is stored encrypted with a key derived from ``SECRET_KEY`` (``_seal``), so a
  copy of the database alone does not give the codes. ``cryptography`` is not installed,
  so the cipher is HMAC-SHA256 as a pseudo-random function in counter mode (one block: a
  key is 20 bytes) with a random nonce and an HMAC tag; the same construction as the
  standard library offers none. Changing ``SECRET_KEY`` makes stored keys unreadable:
  the owners then sign in with a recovery code or ``flask users reset-2fa``.
- Recovery codes are 80 random bits each; only their SHA-256 is stored. A slow hash
  (Argon2, as for passwords) protects guessable secrets; against 2^80 possibilities it
  would only cost every sign-in ten Argon2 runs.

Functions flush, the caller commits (STYLE.md rule 2). Keys and codes are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from typing import Literal

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, select

from app.auth.services import hash_token, record_account
from app.clock import now_utc
from app.extensions import db
from app.models import AuditAction, RecoveryCode, User

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
_SEAL_VERSION = "v1:"
_NONCE_BYTES = 16
_TAG_BYTES = 16
_NOT_CODE = re.compile(r"[\s-]")

Accepted = Literal["code", "recovery"]


class KeyUnreadableError(ValueError):
    """A stored key cannot be decrypted: SECRET_KEY changed, or the value was altered."""


def needs_second_factor(user: User) -> bool:
    """True when the account must sign in with a second factor: admins and reviewers,
    while ``REQUIRE_2FA`` is on."""
    if not current_app.config["REQUIRE_2FA"]:
        return False
    return user.is_admin or user.is_reviewer


def must_enrol(user: User) -> bool:
    """True when the account must set up a second factor before doing anything else."""
    return needs_second_factor(user) and not user.has_second_factor


def _sealing_key() -> bytes:
    # A key of its own, so no other use of SECRET_KEY (sessions, CSRF) meets this one.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"vigil totp key encryption", hashlib.sha256).digest()


def _seal(raw: bytes) -> str:
    key = _sealing_key()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    pad = hmac.new(key, b"pad" + nonce, hashlib.sha256).digest()
    if len(raw) > len(pad):
        raise ValueError("key too long")
    sealed = bytes(a ^ b for a, b in zip(raw, pad, strict=False))
    tag = hmac.new(key, b"tag" + nonce + sealed, hashlib.sha256).digest()[:_TAG_BYTES]
    return _SEAL_VERSION + base64.urlsafe_b64encode(nonce + sealed + tag).decode()


def _unseal(stored: str) -> bytes:
    if not stored.startswith(_SEAL_VERSION):
        raise KeyUnreadableError
    try:
        blob = base64.urlsafe_b64decode(stored.removeprefix(_SEAL_VERSION))
    except ValueError as exc:
        raise KeyUnreadableError from exc
    nonce, sealed, tag = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:-_TAG_BYTES], blob[-_TAG_BYTES:]
    key = _sealing_key()
    expected = hmac.new(key, b"tag" + nonce + sealed, hashlib.sha256).digest()[:_TAG_BYTES]
    if len(nonce) != _NONCE_BYTES or not hmac.compare_digest(tag, expected):
        raise KeyUnreadableError
    pad = hmac.new(key, b"pad" + nonce, hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(sealed, pad, strict=False))


def _totp(user: User) -> pyotp.TOTP:
    """The account's TOTP generator; raises KeyUnreadableError."""
    if user.totp_secret is None:
        raise KeyUnreadableError
    return pyotp.TOTP(base64.b32encode(_unseal(user.totp_secret)).decode())


def start_enrolment(user: User) -> str:
    """The key (base32) the account is setting up: the pending one, or a new one.

    Reloading the page shows the same key, so a QR code already scanned stays valid.
    Raises ValueError when the account has a second factor already.
    """
    if user.has_second_factor:
        raise ValueError("second factor in use")
    if user.totp_secret is not None:
        try:
            return _totp(user).secret
        except KeyUnreadableError:
            pass  # SECRET_KEY changed since: a new key replaces the pending one
    raw = secrets.token_bytes(20)  # 160 bits, as RFC 4226 recommends
    user.totp_secret = _seal(raw)
    user.totp_last_step = None
    db.session.flush()
    return base64.b32encode(raw).decode()


def provisioning_uri(user: User, key: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(key).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SITE_NAME"]
    )


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline ``<svg>`` markup (no image request, no style
    attribute: the CSP allows it as it is)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(border=4, light="#fff", title=title, svgclass="qr", omitsize=True)
    return Markup(svg)  # noqa: S704  (segno escapes the title; the rest is its drawing)


def group_key(key: str) -> str:
    """The key in groups of four letters, easier to type from the screen."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _normalize(code: str) -> str:
    return _NOT_CODE.sub("", code).lower()


def _accept_totp(user: User, code: str) -> bool:
    """True (and the step remembered) when ``code`` is valid for a step not used before."""
    totp = _totp(user)
    now_step = totp.timecode(now_utc())
    for step in (now_step - 1, now_step, now_step + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        code = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 letters
        codes.append("-".join(code[i : i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(_normalize(code))))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    return codes


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn the pending key on if ``code`` is valid for it; returns the new recovery codes
    (to be shown once), or None for a wrong code or no pending key."""
    code = _normalize(code)
    if user.has_second_factor or not code.isdigit():
        return None
    try:
        if not _accept_totp(user, code):
            return None
    except KeyUnreadableError:
        return None
    user.totp_enabled_at = now_utc()
    codes = _new_recovery_codes(user)
    record_account(AuditAction.ACCOUNT_SECOND_FACTOR_ON, user, actor=user)
    log.info("account %s turned on the second sign-in factor", user.id)
    return codes


def verify_second_factor(user: User, code: str) -> Accepted | None:
    """Check a code of the account's authenticator, or one of its recovery codes.

    Returns "code" or "recovery" (the recovery code is then used up), None when the code
    is wrong, used before or the account has no second factor.
    """
    if not user.has_second_factor:
        return None
    code = _normalize(code)
    if code.isdigit():
        try:
            return "code" if _accept_totp(user, code) else None
        except KeyUnreadableError:
            log.warning("account %s: its TOTP key cannot be decrypted", user.id)
            return None
    if not code or len(code) > 40:
        return None
    stored = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_token(code)
        )
    )
    if stored is None:
        return None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.id == stored))
    db.session.expire(user, ["recovery_codes"])
    log.info("account %s used a recovery code", user.id)
    return "recovery"


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the account has."""
    return len(user.recovery_codes)


def remove_second_factor(user: User, *, actor: User | None) -> None:
    """Turn the second factor off and forget the key and recovery codes.

    The caller has checked a current code (the account page) or is an operator at the
    command line (``flask users reset-2fa``, for a lost phone).
    """
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    record_account(AuditAction.ACCOUNT_SECOND_FACTOR_OFF, user, actor=actor)
    log.info("account %s: second sign-in factor removed", user.id)
