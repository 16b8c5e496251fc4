"""Security headers on every response, error pages, private paths, the ``id`` converter.

design/security.md T16, T38, T52, T53.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_admin

CANARY = "canary-exception-7f3a"


def _csp(response: TestResponse) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


_ASKS_FOR_LOCATION = re.compile(r"^/(map|campaign/host|organize/events/(new|[0-9]+/edit))$")


def assert_security_headers(response: TestResponse) -> None:
    """The header set of design/security.md T38 (CSP per T16)."""
    headers = response.headers
    where = f"{response.request.path} → {response.status_code}"
    hsts = headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age, where
    assert int(max_age.group(1)) >= 31536000, where
    assert "includesubdomains" in hsts.lower(), where

    csp = _csp(response)
    for directive in ("default-src", "object-src", "base-uri", "frame-ancestors"):
        assert csp.get(directive) == ["'none'"], (where, directive, csp.get(directive))
    script_src = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script_src, where
    assert "'unsafe-eval'" not in script_src, where
    assert "*" not in script_src, where

    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    permissions = headers.get("Permissions-Policy", "")
    # Only the pages with a button that asks for the position on a click may ask: the
    # map's "use my location" and the place pickers' "sort by distance" (a redirect to
    # the sign-in page is not such a page).
    asks = _ASKS_FOR_LOCATION.match(response.request.path) and response.status_code < 300
    location = "geolocation=(self)" if asks else "geolocation=()"
    for feature in (location, "camera=()", "microphone=()"):
        assert feature in permissions, (where, feature)
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert not re.search(r"\d", headers.get("Server", "")), where


def _plain_get_rules(app: Flask, prefix: str = "/") -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and not rule.arguments and rule.rule.startswith(prefix)
    ]


def test_every_public_page_carries_the_headers(app: Flask, client: FlaskClient) -> None:
    paths = [rule.rule for rule in _plain_get_rules(app)]
    paths += ["/static/css/site.css", "/language/fa?next=/"]
    assert "/" in paths
    assert "/auth/login" in paths
    for path in paths:
        response = client.get(path)
        response.close()  # static files are streamed from an open file
        assert response.status_code < 500, path
        assert_security_headers(response)


def test_signed_in_pages_carry_the_headers_and_are_not_cached(
    app: Flask, client: FlaskClient
) -> None:
    admin = make_admin()
    assert login(client, admin.email, PASSWORD).status_code == 303
    rules = _plain_get_rules(app, "/organize") + _plain_get_rules(app, "/admin")
    assert rules
    for rule in rules:
        response = client.get(rule.rule)
        assert response.status_code < 400, rule.rule
        assert_security_headers(response)
        assert response.headers.get("Cache-Control") == "no-store", rule.rule


@pytest.mark.parametrize("path", ["/auth/login", "/organize/", "/admin/organizers"])
def test_private_areas_are_not_cached_even_when_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers.get("Cache-Control") == "no-store"
    assert_security_headers(response)


def test_not_found_carries_the_headers(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]
    assert_security_headers(response)


def test_method_not_allowed_carries_the_headers(client: FlaskClient) -> None:
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")
    assert_security_headers(response)


def test_oversized_body_is_413_with_the_headers(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/auth/login", data={"email": "x" * 100_000, "password": "y", "csrf_token": token}
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert_security_headers(response)


def test_too_many_multipart_fields_is_413(client: FlaskClient) -> None:
    # MAX_FORM_PARTS bounds multipart bodies; Werkzeug parses urlencoded ones in one go,
    # where MAX_CONTENT_LENGTH (64 KiB) is the bound.
    token = csrf_token(client)
    data = {f"f{n}": "1" for n in range(1001)}
    data["csrf_token"] = token
    response = client.post("/auth/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert_security_headers(response)


def test_rate_limited_response_carries_the_headers(client: FlaskClient) -> None:
    response = None
    for n in range(11):
        token = csrf_token(client)
        response = client.post(
            "/auth/login",
            data={"email": f"guess{n}@example.org", "password": "wrong", "csrf_token": token},
        )
    assert response is not None
    assert response.status_code == 429
    assert response.headers.get("Retry-After")
    assert_security_headers(response)


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The test app with one route that raises, registered before the first request."""

    def explode() -> str:
        raise RuntimeError(CANARY)

    app.add_url_rule("/__test__/explode", "explode", explode)
    return app


def test_unexpected_error_is_a_plain_500_page(failing_app: Flask) -> None:
    assert failing_app.debug is False
    response = failing_app.test_client().get("/__test__/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    for leak in (CANARY, "Traceback", "RuntimeError", ".py", "Werkzeug", "sqlalchemy"):
        assert leak not in html, leak
    assert_security_headers(response)


@pytest.mark.parametrize(
    "path",
    [
        "/instance/vigil.db",
        "/vigil.db",
        "/static/../instance/vigil.db",
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/..%5cpyproject.toml",
        "/%2e%2e/instance/vigil.db",
        "/%2e%2e/pyproject.toml",
        "/pyproject.toml",
        "/wsgi.py",
        "/app/config.py",
        "/.git/config",
        "/static/.git/config",
        "/backup.tar.gz",
        "/console",
        "/static/../.git/config",
    ],
)
def test_private_files_are_not_served(client: FlaskClient, path: str) -> None:
    """Several of these files exist in the project, so a naive file server would send them."""
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "[core]" not in body
    assert "[project]" not in body
    assert_security_headers(response)


BAD_IDS = ["abc", "0", "-1", "01", "1.5", "2147483648", "99999999999999999999", "1e3", "%20"]


@pytest.fixture
def echo_app(app: Flask) -> Flask:
    """The test app with a route that echoes an ``<id:…>`` value."""

    def echo(thing_id: int) -> str:
        return f"{type(thing_id).__name__}:{thing_id}"

    app.add_url_rule("/__test__/things/<id:thing_id>", "echo", echo)
    return app


@pytest.mark.parametrize("value", BAD_IDS)
def test_id_converter_refuses_what_is_not_a_database_id(echo_app: Flask, value: str) -> None:
    assert echo_app.test_client().get(f"/__test__/things/{value}").status_code == 404


@pytest.mark.parametrize(("value", "expected"), [("1", "int:1"), ("2147483647", "int:2147483647")])
def test_id_converter_accepts_database_ids(echo_app: Flask, value: str, expected: str) -> None:
    response = echo_app.test_client().get(f"/__test__/things/{value}")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == expected


def test_real_id_routes_answer_404_to_bad_ids(app: Flask, client: FlaskClient) -> None:
    """Every ``<id:…>`` route, as an admin so no guard stops the request before the converter."""
    admin = make_admin()
    assert login(client, admin.email, PASSWORD).status_code == 303
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(type(conv).__name__ == "IdConverter" for conv in rule._converters.values())
    ]
    assert rules
    checks = [
        (method, f"/organize/events/{bad}/edit")
        for method in ("GET", "POST")
        for bad in ("abc", "0", "99999999999999999999")
    ]
    for rule in rules:
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for bad in BAD_IDS:
            values = {
                name: bad if type(converter).__name__ == "IdConverter" else "x"
                for name, converter in rule._converters.items()
            }
            checks += [(method, _raw_path(rule, values)) for method in methods]
    token = csrf_token(client, "/")
    for method, path in checks:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path, response.status_code)


def _raw_path(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with ``values`` put in literally (no converter checks them)."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
    return path
