"""No one can lock an organizer out: failures slow the failing clients, not the owner.

Clients are told apart by X-Forwarded-For behind one trusted proxy, so each
request below can come from another address, as from an attacker's botnet.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import limiter
from app.models import User
from tests.auth.signin import is_signed_in, post_login
from tests.conftest import TEST_REDIS_URL, login
from tests.factories import PASSWORD, make_admin, make_user

WRONG = "not the right password at all"
BEHIND_PROXY = {"TRUSTED_PROXIES": 1}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return BEHIND_PROXY


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    """Make the client's next requests come from ``address`` (through the trusted proxy)."""
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def rotating_attack(app: Flask, email: str, count: int, *, first: int = 0) -> list[int]:
    """``count`` wrong passwords for ``email``, each from a new address; their status codes."""
    attacker = app.test_client()
    statuses = []
    for n in range(first, first + count):
        from_address(attacker, f"198.51.{n // 250}.{n % 250 + 1}")
        # The attacker varies the spelling too: the account is the same.
        spelling = email.upper() if n % 2 else email
        statuses.append(post_login(attacker, spelling, WRONG).status_code)
    return statuses


def retry_after(response: Any) -> int:
    assert response.status_code == 429
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def stored_keys(app: Flask) -> list[str]:
    """Every key the limiter's storage holds (memory or Redis)."""
    if TEST_REDIS_URL:
        import redis

        return [key.decode() for key in redis.Redis.from_url(TEST_REDIS_URL).scan_iter()]
    storage: Any = limiter.storage
    return [*storage.storage, *storage.events]


def test_rotating_addresses_cannot_keep_the_owner_out(app: Flask) -> None:
    owner = make_user(email="owner@example.org")
    assert rotating_attack(app, owner.email, 40) == [422] * 40
    fresh = from_address(app.test_client(), "203.0.113.9")
    assert post_login(fresh, owner.email, PASSWORD).status_code == 303
    assert is_signed_in(fresh)


def test_the_owner_gets_in_while_the_attack_goes_on(app: Flask) -> None:
    owner = make_user(email="owner@example.org")
    rotating_attack(app, owner.email, 10)
    fresh = from_address(app.test_client(), "203.0.113.9")
    assert post_login(fresh, owner.email, PASSWORD).status_code == 303
    rotating_attack(app, owner.email, 10, first=10)
    other_device = from_address(app.test_client(), "203.0.113.10")
    assert post_login(other_device, owner.email, PASSWORD).status_code == 303


def test_a_client_guessing_one_account_is_stopped_on_it(app: Flask) -> None:
    owner = make_user(email="owner@example.org")
    bystander = make_user()
    guesser = from_address(app.test_client(), "198.51.100.7")
    for _attempt in range(5):
        assert post_login(guesser, owner.email, WRONG).status_code == 422
    assert retry_after(post_login(guesser, owner.email, WRONG)) >= 1
    # Even the right password is not checked for this client: it has been guessing.
    assert retry_after(post_login(guesser, owner.email.upper(), PASSWORD)) >= 1
    assert not is_signed_in(guesser)
    # Other accounts from the same client, and the account from other clients, are unaffected.
    assert post_login(guesser, bystander.email, PASSWORD).status_code == 303
    owner_device = from_address(app.test_client(), "203.0.113.9")
    assert post_login(owner_device, owner.email, PASSWORD).status_code == 303


def test_a_client_guessing_many_accounts_hits_the_client_limit(app: Flask) -> None:
    owner = make_user(email="owner@example.org")
    guesser = from_address(app.test_client(), "198.51.100.7")
    for n in range(10):
        assert post_login(guesser, f"guess{n}@example.org", WRONG).status_code == 422
    assert retry_after(post_login(guesser, owner.email, PASSWORD)) >= 1
    assert not is_signed_in(guesser)


@pytest.mark.parametrize("email", ["owner@example.org", "nobody@example.org"])
def test_failing_clients_wait_longer_as_the_account_is_attacked(app: Flask, email: str) -> None:
    # Known and unknown e-mails get the same answers, so waits reveal no account.
    make_user(email="owner@example.org")
    assert rotating_attack(app, email, 4) == [422] * 4
    # Below LOGIN_DELAY_AFTER (5) failures on the account a client may try again at once.
    again = from_address(app.test_client(), "198.51.0.1")
    assert post_login(again, email, WRONG).status_code == 422
    # From the 5th failure on, the failing client waits 1 s, then 2, 4, 8 …
    # (the bounds leave room for a slow machine: a wait may be partly over when we ask).
    assert rotating_attack(app, email, 3, first=10) == [422] * 3
    eighth = from_address(app.test_client(), "198.51.0.13")
    assert 5 <= retry_after(post_login(eighth, email, WRONG)) <= 8
    assert rotating_attack(app, email, 2, first=13) == [422] * 2
    tenth = from_address(app.test_client(), "198.51.0.15")
    assert 26 <= retry_after(post_login(tenth, email, WRONG)) <= 32
    # Capped at LOGIN_DELAY_MAX (60 s).
    assert rotating_attack(app, email, 20, first=20) == [422] * 20
    last = from_address(app.test_client(), "198.51.0.40")
    assert 55 <= retry_after(post_login(last, email, WRONG)) <= 60


@pytest.mark.parametrize("app_overrides", [{**BEHIND_PROXY, "LOGIN_DELAY_MAX": 3}])
def test_an_owner_who_mistyped_waits_then_gets_in(app: Flask) -> None:
    owner = make_user(email="owner@example.org")
    rotating_attack(app, owner.email, 10)
    device = from_address(app.test_client(), "203.0.113.9")
    assert post_login(device, owner.email, "a typo").status_code == 422
    assert 1 <= retry_after(post_login(device, owner.email, PASSWORD)) <= 3
    time.sleep(3.1)
    assert post_login(device, owner.email, PASSWORD).status_code == 303


@pytest.mark.parametrize("app_overrides", [{**BEHIND_PROXY, "LOGIN_DELAY_AFTER": 100}])
def test_signing_in_forgets_the_clients_own_failures(app: Flask) -> None:
    # Only the per-(account, client) limit is at work here: 5 failures a minute.
    owner = make_user(email="owner@example.org")
    device = from_address(app.test_client(), "203.0.113.9")
    for _attempt in range(4):
        assert post_login(device, owner.email, WRONG).status_code == 422
    assert post_login(device, owner.email, PASSWORD).status_code == 303
    later = from_address(app.test_client(), "203.0.113.9")
    for _attempt in range(4):
        assert post_login(later, owner.email, WRONG).status_code == 422


def _row(page: str, email: str) -> str:
    start = page.index(f"<td>{email}</td>")
    return page[start : page.index("</tr>", start)]


def test_admins_see_failed_sign_ins_per_account_but_no_addresses(app: Flask) -> None:
    admin = make_admin(email="ada@example.org")
    attacked: User = make_user(email="omid@example.org")
    make_user(email="quiet@example.org")
    rotating_attack(app, attacked.email, 7)
    rotating_attack(app, "nobody@example.org", 3, first=100)
    admin_client = from_address(app.test_client(), "203.0.113.50")
    assert login(admin_client, admin.email, PASSWORD).status_code == 303
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert "Failed sign-ins (last hour / 24 hours)" in page
    assert '<td class="failed-sign-ins">7 / 7</td>' in _row(page, "omid@example.org")
    assert '<td class="failed-sign-ins">0 / 0</td>' in _row(page, "quiet@example.org")
    assert '<td class="failed-sign-ins">0 / 0</td>' in _row(page, "ada@example.org")
    for address_part in ("198.51.", "203.0.113", "nobody@"):
        assert address_part not in page
    keys = " ".join(stored_keys(app))
    assert keys
    for secret in ("198.51.", "203.0.113", "@example.org", "omid", "nobody"):
        assert secret not in keys
