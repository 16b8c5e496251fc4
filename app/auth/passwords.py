"""Password hashing with Argon2id at OWASP parameters (design/security.md decision 7)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PASSWORD_MIN = 15
# Longer passwords are refused before hashing, so they cannot be used to make us hash megabytes.
PASSWORD_MAX = 128

# OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both paths cost one Argon2 run."""
    return _hasher.hash("vigil-dummy-password-for-timing")


def hash_password(password: str) -> str:
    """Hash ``password``; the caller has already checked its length."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always does the same work, even without a hash."""
    if len(password) > PASSWORD_MAX:
        return False
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
