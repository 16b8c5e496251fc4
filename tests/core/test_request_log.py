"""One structured line per request: route pattern, status, time, request id; no personal data."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.factories import make_event, make_user

CANARY_IP = "203.0.113.77"
CANARY_EMAIL = "canary-5b1e@example.org"
CANARY_PLACE = "Canary-Town-5b1e"


def _lines(logs: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in logs.records if r.name == "app.access"]


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_a_page_is_logged_by_its_route_without_path_query_or_address(
    app: Flask, client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    event = make_event(title="Vigil")
    client.environ_base.update(REMOTE_ADDR=CANARY_IP)
    response = client.get(
        f"/events/{event.slug}?near={CANARY_PLACE}&email={CANARY_EMAIL}",
        headers={"X-Forwarded-For": CANARY_IP},
    )
    assert response.status_code == 200
    [line] = _lines(app_logs)
    assert line["method"] == "GET"
    assert line["route"] == "/events/<slug>"
    assert line["status"] == 200
    assert isinstance(line["ms"], float)
    assert line["ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert set(line) == {"method", "route", "status", "ms", "request_id"}
    for secret in (event.slug, CANARY_PLACE, CANARY_EMAIL, CANARY_IP, "near="):
        assert secret not in app_logs.text
    assert not re.search(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", app_logs.text)


def test_a_sign_in_is_logged_without_the_address_given(
    app: Flask, client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    make_user(email=CANARY_EMAIL)
    token = csrf_token(client, "/auth/login")
    client.post(
        "/auth/login", data={"email": CANARY_EMAIL, "password": "wrong one", "csrf_token": token}
    )
    lines = _lines(app_logs)
    assert [(x["method"], x["route"]) for x in lines] == [
        ("GET", "/auth/login"),
        ("POST", "/auth/login"),
    ]
    assert CANARY_EMAIL not in app_logs.text
    assert "canary-5b1e" not in app_logs.text


def test_an_unknown_path_is_logged_without_it(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    assert client.get(f"/{CANARY_EMAIL}/x").status_code == 404
    [line] = _lines(app_logs)
    assert (line["route"], line["status"]) == (None, 404)
    assert "canary" not in app_logs.text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("3f2c9a1e-5b7d-4e8a-9c0b-1d2e3f4a5b6c", True),  # a UUID, as proxies send
        ("req.0042_abc", True),
        ("short", False),  # under 8 characters
        ("x" * 65, False),
        ("has space in it", False),
        (CANARY_EMAIL, False),
        ('abc"},{"forged":1', False),
    ],
)
def test_the_request_id_is_taken_only_when_it_is_a_plain_token(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture, sent: str, kept: bool
) -> None:
    response = client.get("/events", headers={"X-Request-ID": sent})
    echoed = response.headers["X-Request-ID"]
    [line] = _lines(app_logs)
    assert line["request_id"] == echoed
    if kept:
        assert echoed == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", echoed)
        assert "canary" not in app_logs.text
        assert "forged" not in app_logs.text


def test_each_request_gets_its_own_id(client: FlaskClient) -> None:
    ids = {client.get("/events").headers["X-Request-ID"] for _n in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("app_overrides", [{"LOG_LEVEL": "WARNING"}])
def test_log_level_warning_leaves_the_access_lines_out(
    client: FlaskClient, app_logs: pytest.LogCaptureFixture
) -> None:
    app_logs.set_level(logging.WARNING, logger="app")
    assert client.get("/events").status_code == 200
    assert _lines(app_logs) == []
