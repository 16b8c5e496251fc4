"""Rate-limit keys (app.privacy): who counts as one client, and who can compute the keys.

A client is an IPv4 address or an IPv6 /64; its key is an HMAC with a day key
derived from a random secret held only in the serving processes' memory, so a
seized secret key file and a Redis dump do not give the addresses back.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import shlex
import subprocess
import sys
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.config import Config

from app import PROJECT_ROOT, clock
from app.config import ConfigError
from app.extensions import limiter
from app.privacy import client_key, client_network, pseudonym
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL, TEST_SECRET, csrf_token, make_app
from tests.core.test_gunicorn_commands import make_gunicorn_lines
from tests.factories import make_event, make_venue
from tests.rsvp.pages import post_rsvp

BEHIND_PROXY = {"TRUSTED_PROXIES": 1}
ONE_NETWORK = [f"2001:db8:4:7:{n:x}::{n:x}" for n in range(1, 16)]  # fifteen in one /64


def _as(client: FlaskClient, address: str) -> FlaskClient:
    """Let the next requests come through the trusted proxy on behalf of ``address``."""
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


# --- one client: an IPv4 address or an IPv6 /64 --------------------------------------------


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:4:7:1234:5678:9abc:def0", "2001:db8:4:7::/64"),
        ("2001:DB8:4:7::1", "2001:db8:4:7::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_a_client_is_an_ipv4_address_or_an_ipv6_64(address: str | None, network: str) -> None:
    assert client_network(address) == network


@pytest.mark.parametrize("app_overrides", [BEHIND_PROXY])
def test_fifteen_addresses_of_one_64_share_the_sign_in_limit(client: FlaskClient) -> None:
    statuses = []
    for n, address in enumerate(ONE_NETWORK):
        token = csrf_token(_as(client, address), "/auth/login")
        response = client.post(
            "/auth/login",
            # A different account each time: only the per-client limit is in play.
            data={"email": f"nobody{n}@example.org", "password": "wrong", "csrf_token": token},
        )
        statuses.append(response.status_code)
    assert 429 in statuses
    assert statuses.count(429) == 5  # LOGIN_RATE_LIMIT: 10 per minute, as for one address
    # Another /64 (another household) is not affected.
    token = csrf_token(_as(client, "2001:db8:4:8::1"), "/auth/login")
    other = client.post(
        "/auth/login",
        data={"email": "nobody@example.org", "password": "wrong", "csrf_token": token},
    )
    assert other.status_code != 429


@pytest.mark.parametrize(
    "app_overrides", [{**BEHIND_PROXY, "RSVP_EVENT_RATE_LIMIT": "100 per day"}]
)
def test_fifteen_addresses_of_one_64_share_the_rsvp_limit(client: FlaskClient) -> None:
    event = make_event(capacity=20)
    statuses = [
        post_rsvp(_as(client, address), event, party_size="5").status_code
        for address in ONE_NETWORK
    ]
    # RSVP_RATE_LIMIT: 10 per hour for the whole /64, as for one IPv4 address.
    assert statuses == [303] * 10 + [429] * 5
    assert post_rsvp(_as(client, "2001:db8:4:8::1"), event).status_code == 303


# --- a limit per client and event ----------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [BEHIND_PROXY])
def test_one_client_may_rsvp_twice_a_day_to_one_event(app: Flask, client: FlaskClient) -> None:
    assert app.config["RSVP_EVENT_RATE_LIMIT"] == "2 per day"
    venue = make_venue()
    event, other_event = make_event(venue, capacity=20), make_event(venue, capacity=20)
    _as(client, "192.0.2.7")
    # A form sent back for correction does not count.
    assert post_rsvp(client, event, party_size="9").status_code == 422
    assert [post_rsvp(client, event).status_code for _n in range(3)] == [303, 303, 429]
    # The same client still has its hourly budget for other events ...
    assert post_rsvp(client, other_event).status_code == 303
    # ... and another client can still RSVP to the first event.
    assert post_rsvp(_as(client, "192.0.2.8"), event).status_code == 303
    # A new day, a new budget.
    clock.freeze(DEFAULT_NOW.replace(day=DEFAULT_NOW.day + 1))
    assert post_rsvp(_as(client, "192.0.2.7"), event).status_code == 303


@pytest.mark.parametrize(
    "app_overrides", [{"RSVP_RATE_LIMIT": "3 per hour", "RSVP_EVENT_RATE_LIMIT": "5 per day"}]
)
def test_the_hourly_limit_still_holds_across_events(client: FlaskClient) -> None:
    venue = make_venue()
    events = [make_event(venue) for _n in range(4)]
    assert [post_rsvp(client, event).status_code for event in events] == [303, 303, 303, 429]


# --- an untrusted proxy --------------------------------------------------------------------


def _proxy_warnings(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in logs.records if "X-Forwarded-For" in record.getMessage()]


def test_a_local_proxy_that_is_not_trusted_is_reported_once(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    client.get("/")
    assert _proxy_warnings(app_logs) == []  # a visitor straight from loopback, no proxy
    for address in ("203.0.113.9", "198.51.100.4", "203.0.113.9"):
        client.get("/", headers={"X-Forwarded-For": address})
    warnings = _proxy_warnings(app_logs)
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "VIGIL_TRUSTED_PROXIES" in warnings[0].getMessage()
    for text in ("203.0.113.9", "198.51.100.4", "127.0.0.1"):
        assert text not in app_logs.text


def test_a_proxy_header_from_elsewhere_is_not_reported(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    # Not from a local proxy: a visitor who sent the header himself.
    client.get(
        "/", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "192.0.2.50"}
    )
    assert _proxy_warnings(app_logs) == []


@pytest.mark.parametrize("app_overrides", [BEHIND_PROXY])
def test_a_trusted_proxy_is_not_reported(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert _proxy_warnings(app_logs) == []


# --- keys nobody can recompute from what is on disk ----------------------------------------


def _stored_keys() -> list[str]:
    """Every key the rate limiter stored, wherever it stores them (memory or Redis)."""
    if TEST_REDIS_URL:
        import redis

        return [key.decode() for key in redis.Redis.from_url(TEST_REDIS_URL).keys("*")]
    storage: Any = limiter.storage
    return [*storage.storage, *storage.events]


def _key_from_secret_key(address: str) -> str:
    """The key as it was derived before: from the secret key, which is on disk."""
    day = DEFAULT_NOW.date().isoformat().encode()
    daily = hmac.new(TEST_SECRET.encode(), b"ratelimit:" + day, hashlib.sha256).digest()
    return hmac.new(daily, address.encode(), hashlib.sha256).hexdigest()[:32]


def test_stored_keys_cannot_be_recomputed_from_the_secret_key(
    app: Flask, client: FlaskClient
) -> None:
    event = make_event()
    assert post_rsvp(client, event).status_code == 303
    keys = _stored_keys()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        current = client_key()
    assert any(current in key for key in keys)  # the counter is there, under today's key
    assert not any(_key_from_secret_key("127.0.0.1") in key for key in keys)
    assert not any("127.0.0.1" in key for key in keys)


# Another process with the same secret key on the same day, as a second server would be.
_PSEUDONYM_OF_A_NEW_PROCESS = """
from app import clock
from app.privacy import pseudonym
from tests.conftest import DEFAULT_NOW, make_app
clock.freeze(DEFAULT_NOW)
with make_app("sqlite://").app_context():
    print(pseudonym("192.0.2.7"))
"""


def test_each_server_has_its_own_random_key(app: Flask, database_url: str) -> None:
    """Same secret key, same day: another process (another server) computes other keys."""
    mine = pseudonym("192.0.2.7")
    # Another app in this process (a CLI command, a test) shares the process's secret.
    with make_app(database_url).app_context():
        assert pseudonym("192.0.2.7") == mine
    theirs = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", _PSEUDONYM_OF_A_NEW_PROCESS],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    ).stdout.strip()
    assert len(theirs) == len(mine) == 32
    assert theirs != mine


SHARED = "a-rate-limit-secret-for-every-server-0123456789"
_PSEUDONYM_OF_A_SERVER_WITH_THE_SHARED_SECRET = _PSEUDONYM_OF_A_NEW_PROCESS.replace(
    'make_app("sqlite://")', f'make_app("sqlite://", RATE_LIMIT_SECRET="{SHARED}")'
)


@pytest.mark.parametrize("app_overrides", [{"RATE_LIMIT_SECRET": SHARED}])
def test_servers_given_one_rate_limit_secret_share_their_keys(app: Flask) -> None:
    """VIGIL_RATE_LIMIT_SECRET: another process (another server) computes the same keys."""
    mine = pseudonym("192.0.2.7")
    theirs = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", _PSEUDONYM_OF_A_SERVER_WITH_THE_SHARED_SECRET],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    ).stdout.strip()
    assert theirs == mine
    # Not a plain function of the shared secret's text: it is hashed once more.
    day = DEFAULT_NOW.date().isoformat().encode()
    naive = hmac.new(
        hmac.new(SHARED.encode(), b"ratelimit:" + day, hashlib.sha256).digest(),
        b"192.0.2.7",
        hashlib.sha256,
    ).hexdigest()[:32]
    assert mine != naive
    # An app without it keeps the process's own secret.
    with make_app("sqlite://").app_context():
        assert pseudonym("192.0.2.7") != mine


@pytest.mark.parametrize("value", ["too-short", TEST_SECRET])
def test_a_short_rate_limit_secret_or_the_secret_key_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="VIGIL_RATE_LIMIT_SECRET"):
        make_app("sqlite://", RATE_LIMIT_SECRET=value)


def test_workers_forked_from_the_master_share_its_key(app: Flask) -> None:
    """gunicorn --preload creates the app in the master; the workers are its forks."""
    mine = pseudonym("192.0.2.7")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            os.close(read)
            os.write(write, pseudonym("192.0.2.7").encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        theirs = pipe.read()
    os.waitpid(pid, 0)
    assert theirs == mine


def test_keys_change_every_day(app: Flask) -> None:
    today = pseudonym("192.0.2.7")
    clock.freeze(DEFAULT_NOW.replace(day=DEFAULT_NOW.day + 1))
    assert pseudonym("192.0.2.7") != today


# --- gunicorn creates the secret in its master -------------------------------------------


def _gunicorn_options(command_line: str) -> Any:
    """gunicorn's own reading of the options of ``command_line`` (make's $(…) as words)."""
    plain = re.sub(r"\$\(\w+\)", "x", command_line.replace("\\\n", " "))
    words = shlex.split(plain)
    start = next(n for n, word in enumerate(words) if word.endswith("gunicorn")) + 1
    return Config().parser().parse_args(words[start:])


def test_every_gunicorn_we_ship_preloads_the_app() -> None:
    """Without --preload each worker would make its own secret: budgets split per worker."""
    made = [*make_gunicorn_lines("run"), *make_gunicorn_lines("prod-demo")]
    assert len(made) == 3
    assert all(_gunicorn_options(line).preload_app for line in made)
    readme = (PROJECT_ROOT / "README.md").read_text()
    services = re.findall(r"^ExecStart=(.*gunicorn.*)$", readme, flags=re.MULTILINE)
    assert services
    assert all(_gunicorn_options(service).preload_app for service in services)
    bench = (PROJECT_ROOT / "bench" / "_common.py").read_text()
    assert '"--preload"' in bench.split("def _serve", 1)[1].split("\ndef ", 1)[0]
