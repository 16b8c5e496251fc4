"""Sign-in throttling that slows guessing down without locking an owner out.

Refusing an account after N failures from anyone let an attacker keep an
organizer out while an event needed cancelling (five requests a minute from
rotating addresses were enough). So failures are counted per (account, client),
per account and per client, and only clients that have been failing are held back:

- per client: ``LOGIN_RATE_LIMIT`` on the view counts every attempt of a client,
  whatever the account;
- per (account, client): after ``LOGIN_ACCOUNT_RATE_LIMIT`` failures a client is
  refused on that account until its window passes;
- per account: once an account has ``LOGIN_DELAY_AFTER`` failures in the last hour
  (from anyone), each further failure makes the client that failed wait before its
  next attempt on that account: 1 s, then 2, 4 … at most ``LOGIN_DELAY_MAX`` seconds.

A client that has not failed on an account meets none of the account rules: the
owner's correct password from a fresh address is accepted however hard others
hammer the account. Known and unknown e-mails are counted and slowed alike.

Counters live in the limiter's storage (Redis when configured, shared by the
workers) under keyed hashes from app.privacy: no e-mail address or client address
is stored (design/security.md decision 11). A known account's counts are kept
under its id, so admins can see them (never which clients failed).
"""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

from flask import current_app
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, parse_many
from limits.strategies import SlidingWindowCounterRateLimiter

from app.auth.services import get_user_by_email, normalize_email
from app.extensions import limiter
from app.models import User
from app.privacy import client_key, pseudonym

log = logging.getLogger(__name__)

_PAIR = "login-pair"
_ACCOUNT = "login-account"
_WAIT = "login-wait"
# Counting windows for accounts; the amount is no limit, only a ceiling for the count.
_LAST_HOUR = RateLimitItemPerHour(1_000_000)
_LAST_DAY = RateLimitItemPerDay(1_000_000)


class FailedSignIns(NamedTuple):
    """Failed sign-ins on one account: in the last hour and in the last 24 hours (approximate)."""

    last_hour: int
    last_day: int


def _pair_key(email: str) -> str:
    """Keyed hash of (account, client): neither the e-mail nor the address is stored."""
    return pseudonym(f"{_PAIR}\x1f{normalize_email(email)}\x1f{client_key()}")


def _account_key(email: str) -> str:
    """``user:<id>`` for an existing account, else a keyed hash of the e-mail."""
    user = get_user_by_email(email)
    if user is not None:
        return f"user:{user.id}"
    return "email:" + pseudonym("login:" + normalize_email(email))


def _pair_limits() -> list[RateLimitItem]:
    return list(parse_many(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]))


def _windows() -> SlidingWindowCounterRateLimiter:
    # Sliding-window counters: two numbers per key, whatever the number of failures.
    return SlidingWindowCounterRateLimiter(limiter.storage)


def _count(windows: SlidingWindowCounterRateLimiter, item: RateLimitItem, key: str) -> int:
    return item.amount - windows.get_window_stats(item, _ACCOUNT, key).remaining


def login_wait_seconds(email: str) -> int:
    """Whole seconds the current client must wait before trying ``email`` again; 0: try now.

    Only a client that failed on this account recently can get more than 0. Call
    before checking the password, so a waiting client costs no password hashing.
    """
    if not limiter.enabled:
        return 0
    pair = _pair_key(email)
    now = time.time()
    waits: list[float] = []
    strategy = limiter.limiter
    for item in _pair_limits():
        if not strategy.test(item, _PAIR, pair):
            waits.append(strategy.get_window_stats(item, _PAIR, pair).reset_time - now)
    wait_key = f"{_WAIT}/{pair}"
    if limiter.storage.get(wait_key):
        waits.append(limiter.storage.get_expiry(wait_key) - now)
    # Rounded, not ceiled: Redis reports a key's remaining life in whole seconds already.
    return max((max(1, round(wait)) for wait in waits), default=0)


def record_login_failure(email: str) -> None:
    """Count a failed sign-in for ``email`` from the current client; maybe make it wait.

    The wait applies to this client on this account only; it grows with the
    account's failures in the last hour (module docstring).
    """
    if not limiter.enabled:
        return
    pair = _pair_key(email)
    account = _account_key(email)
    for item in _pair_limits():
        limiter.limiter.hit(item, _PAIR, pair)
    windows = _windows()
    windows.hit(_LAST_HOUR, _ACCOUNT, account)
    windows.hit(_LAST_DAY, _ACCOUNT, account)
    recent = _count(windows, _LAST_HOUR, account)
    after = current_app.config["LOGIN_DELAY_AFTER"]
    if recent < after:
        return
    if recent == after:
        # The account id only (unknown e-mails are not named): no e-mail, no address.
        log.warning(
            "%s failed sign-ins in an hour on account %s: failing clients must now wait",
            recent,
            account if account.startswith("user:") else "(unknown e-mail)",
        )
    delay = min(current_app.config["LOGIN_DELAY_MAX"], 2 ** min(recent - after, 20))
    wait_key = f"{_WAIT}/{pair}"
    limiter.storage.clear(wait_key)  # the new wait replaces the old one
    limiter.storage.incr(wait_key, delay)


def forget_login_failures(email: str) -> None:
    """After a successful sign-in: this client's failures on ``email`` no longer hold it back.

    The account's counts stay, for admins to see.
    """
    if not limiter.enabled:
        return
    pair = _pair_key(email)
    for item in _pair_limits():
        limiter.limiter.clear(item, _PAIR, pair)
    limiter.storage.clear(f"{_WAIT}/{pair}")


def failed_sign_ins(accounts: list[User]) -> dict[int, FailedSignIns]:
    """Recent failed sign-ins per account id, for the admins' list of accounts."""
    windows = _windows()
    return {
        user.id: FailedSignIns(
            last_hour=_count(windows, _LAST_HOUR, f"user:{user.id}"),
            last_day=_count(windows, _LAST_DAY, f"user:{user.id}"),
        )
        for user in accounts
    }
