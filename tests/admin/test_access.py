"""Every /admin route: anonymous → sign-in page, organizer → 404 (STYLE.md rule 5)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_statement, make_user


def admin_requests(app: Flask, target_id: int) -> list[tuple[str, str]]:
    """(method, path) of every admin route, ids filled with ``target_id``."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<id:{argument}>", str(target_id))
        assert "<" not in path, f"unexpected converter in {rule.rule}"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_admin_routes_are_found(app: Flask) -> None:
    paths = {path for _method, path in admin_requests(app, 1)}
    assert {"/admin/organizers", "/admin/statement", "/admin/organizers/invite"} <= paths
    assert len(admin_requests(app, 1)) >= 7


def test_anonymous_is_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    target = make_user()
    make_statement()
    token = csrf_token(client, "/auth/login")
    for method, path in admin_requests(app, target.id):
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, path)
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login", (method, path)
        assert parse_qs(location.query)["next"] == [path]
    db.session.refresh(target)
    assert target.is_active


def test_organizer_gets_404_everywhere(app: Flask, client: FlaskClient) -> None:
    organizer = make_user()
    other = make_user()
    make_statement()
    assert login(client, organizer.email, PASSWORD).status_code == 303
    token = csrf_token(client, "/")  # the sign-out form carries one
    for method, path in admin_requests(app, other.id):
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path)
        assert "Admin" not in response.get_data(as_text=True).split("<main", 1)[1]
    db.session.refresh(other)
    assert other.is_active


def test_admin_link_only_for_admins(
    admin_client: FlaskClient, organizer_client: FlaskClient
) -> None:
    assert 'href="/admin/organizers"' in admin_client.get("/").get_data(as_text=True)
    assert 'href="/admin/organizers"' not in organizer_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/organizers", "/admin/statement"])
def test_admin_pages_are_not_cached(admin_client: FlaskClient, path: str) -> None:
    response = admin_client.get(path)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/statement/999"),
        ("POST", "/admin/organizers/999/deactivate"),
        ("POST", "/admin/organizers/999/reactivate"),
        ("GET", "/admin/statement/99999999999"),
        ("GET", "/admin/statement/0"),
    ],
)
def test_unknown_ids_are_404_for_admins(admin_client: FlaskClient, method: str, path: str) -> None:
    token = csrf_token(admin_client, "/admin/organizers")
    assert admin_client.open(path, method=method, data={"csrf_token": token}).status_code == 404
