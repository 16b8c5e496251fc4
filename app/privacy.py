"""Client keys for rate limiting that never store an IP address.

design/security.md decision 11: limiter storage (Redis in production) must not
hold raw IPs. The key is an HMAC of the address with a key that changes every
UTC day, derived from the secret key so that every gunicorn worker computes
the same value without storing it anywhere.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request

from app.clock import now_utc


def _daily_key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    day = now_utc().date().isoformat().encode()
    return hmac.new(secret, b"ratelimit:" + day, hashlib.sha256).digest()


def pseudonym(value: str) -> str:
    """Return a short, non-reversible daily pseudonym for ``value``."""
    return hmac.new(_daily_key(), value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    """Rate-limit key for the current client: a daily HMAC of its address."""
    return pseudonym(request.remote_addr or "unknown")
