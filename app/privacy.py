"""Rate-limit keys: the one home of how a client is recognised (STYLE.md rule 15).

design/security.md decision 11: limiter storage (Redis in production) must not
hold raw IPs. A key is an HMAC of the client's address with a key of the day.

That key is derived from a random secret that lives only in the memory of the
serving processes: it is made when the first app of a process is created (with
``gunicorn --preload`` that is the master, so every worker forked from it holds
the same secret) and is never derived from anything on disk, nor written to
disk, Redis or logs. A day key derived from the secret key, which is on disk,
let anyone holding the key file and a Redis dump recover by brute force the
addresses of everyone who had RSVPed in the last hour. Each day's key is
HMAC(secret, date), so keys rotate at midnight UTC with no coordination between
workers. Several app servers sharing one Redis share clients' budgets only if they
share the secret: ``VIGIL_RATE_LIMIT_SECRET``, the same random value given to each
server's environment from memory (a secret store, a tmpfs), never from a file on the
servers' disks. Without it each server (each gunicorn master) has its own secret and
a client's budget is per server.

A client is its IPv4 address, or the /64 network of its IPv6 address: one
household or phone gets a whole /64 and can pick any address in it at will.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import secrets

from flask import Flask, current_app, request

from app.clock import now_utc

log = logging.getLogger(__name__)

# The process's random secret (see the module docstring). Set once by init_app and
# inherited by forked workers; never stored anywhere else.
_process_secret: bytes | None = None
_PROXY_WARNED = "vigil.proxy_header_warned"
_SHARED_KEY_SLOT = "vigil.rate_limit_shared_key"


def _secret() -> bytes:
    shared: bytes | None = current_app.extensions.get(_SHARED_KEY_SLOT)
    return shared if shared is not None else _process_secret_of_this_process()


def _process_secret_of_this_process() -> bytes:
    global _process_secret  # one secret per process, made once (module docstring)
    if _process_secret is None:
        _process_secret = secrets.token_bytes(32)
    return _process_secret


# Today's key, and yesterday's for the minute around midnight (of each secret a test uses).
@functools.lru_cache(maxsize=4)
def _key_of_day(secret: bytes, day: str) -> bytes:
    return hmac.new(secret, b"ratelimit:" + day.encode(), hashlib.sha256).digest()


def _daily_key() -> bytes:
    return _key_of_day(_secret(), now_utc().date().isoformat())


def pseudonym(value: str) -> str:
    """Return a short daily pseudonym for ``value`` that only this server can compute.

    The same value gives the same pseudonym in every worker of one server on one
    UTC day; without the process's in-memory secret it cannot be recomputed.
    """
    return hmac.new(_daily_key(), value.encode(), hashlib.sha256).hexdigest()[:32]


def client_network(address: str | None) -> str:
    """The part of an address that names one client: an IPv4 address, an IPv6 /64.

    An IPv4-mapped IPv6 address counts as its IPv4 address. Anything that is no
    IP address (a Unix socket peer, an empty value) is returned as it is.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def client_key() -> str:
    """Rate-limit key for the current client: a daily HMAC of its address (IPv6: its /64)."""
    return pseudonym(client_network(request.remote_addr))


def client_key_for(*parts: str) -> str:
    """Rate-limit key for the current client and something it acts on (an event's slug…).

    One HMAC over the client and ``parts``: the stored key does not show which of
    a client's other keys belong to the same client.
    """
    return pseudonym("\x1f".join((client_network(request.remote_addr), *parts)))


def _warn_if_proxy_untrusted() -> None:
    """Warn once if a local proxy forwards for its clients while no proxy is trusted.

    Every visitor then looks like the proxy's loopback address and all of them
    share one rate-limit budget. The log line names no address.
    """
    if current_app.extensions.get(_PROXY_WARNED) or "X-Forwarded-For" not in request.headers:
        return
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:  # a Unix socket: the proxy is local too
        local = True
    if local:
        current_app.extensions[_PROXY_WARNED] = True
        log.warning(
            "requests from a local proxy carry X-Forwarded-For but VIGIL_TRUSTED_PROXIES is 0: "
            "every visitor shares one rate-limit budget; set it to the number of proxies"
        )


def init_app(app: Flask) -> None:
    """Take the servers' shared secret, else make the process's now (in gunicorn's master
    with --preload), and watch proxies.

    The warning about an untrusted proxy is given once per app, which is once per
    worker process in production.
    """
    shared = app.config.get("RATE_LIMIT_SECRET")
    if shared:
        # Hashed: the keys' HMAC secret is 32 bytes whatever the length of the text given.
        app.extensions[_SHARED_KEY_SLOT] = hashlib.sha256(b"vigil:" + shared.encode()).digest()
    else:
        _process_secret_of_this_process()
    if not app.config["TRUSTED_PROXIES"]:
        app.before_request(_warn_if_proxy_untrusted)
