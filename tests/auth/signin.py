"""Signing in and out through the pages, and reading the session cookie, for the account tests."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import csrf_token

SESSION_COOKIE = "__Host-vigil"
_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def is_signed_in(client: FlaskClient) -> bool:
    """True if the client's cookie still identifies an account.

    The sign-in page sends signed-in visitors on to their dashboard and shows
    the form to everyone else; it depends on no other feature's routes.
    """
    status = client.get("/auth/login").status_code
    assert status in {200, 302}, status
    return status == 302


def post_login(
    client: FlaskClient, email: str, password: str, *, query: dict[str, str] | None = None
) -> Any:
    """POST the sign-in form (with a valid CSRF token) to /auth/login?<query>."""
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        query_string=query or {},
        data={"email": email, "password": password, "csrf_token": token},
    )


def logout(client: FlaskClient) -> Any:
    """POST /auth/logout with a valid CSRF token (read from the sign-out button on /)."""
    return client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


def session_cookie(client: FlaskClient) -> str:
    """The value of the client's session cookie (there must be one)."""
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def comparable_body(html: str, *typed: str) -> str:
    """The page with the CSRF token and the text the visitor typed blanked out."""
    html = _CSRF_VALUE.sub(r'\1…"', html)
    for value in typed:
        html = html.replace(value, "…")
    return html
