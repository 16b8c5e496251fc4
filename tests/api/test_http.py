"""HTTP behaviour of the API: problem details for every error, caching, CORS, no cookies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import app.api.documents
from app.events.services import update_event
from app.extensions import db
from tests.conftest import signed_in, sql_statements
from tests.factories import berlin_embassy, event_input, make_event, make_statement

PROBLEM_KEYS = {"type", "title", "status", "detail"}
ROUTES = ["/api/v1/events", "/api/v1/venues", "/api/v1/statement", "/api/v1/openapi.json"]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = json.loads(response.data)
    assert set(problem) == PROBLEM_KEYS
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["detail"]
    return problem


@pytest.fixture
def event(app: Flask) -> Any:
    make_statement()
    return make_event(berlin_embassy(), title="Vigil at the embassy")


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=0", "Limit"),
        ("limit=1000", "Limit"),
        ("limit=abc", "Limit"),
        ("limit=-1", "Limit"),
        ("cursor=not-a-cursor", "Cursor"),
        ("cursor=eyJ4IjoxfQ", "Cursor"),  # {"x":1}: valid base64 and JSON, not ours
        ("cursor=eyJpIjoxMDAwMDAwMDAwMDAwMDAwMDAwMDAwfQ", "Cursor"),  # an id too large
        ("cursor=" + "A" * 300, "Cursor"),
        ("kind=picnic", "Kind"),
        ("country=XX", "Country"),
        ("country=DEU", "Country"),
        ("from=2026-13-45", "From"),
        ("from=1066-10-14", "From"),
        ("from=2026-12-10&to=2026-12-01", "To"),
        ("near=Xyzzyqwv", "Near"),
        ("near=91,0", "Near"),
        ("radius_km=0&near=Berlin", "Radius"),
        ("q=a%00b", "Search"),
        ("city=%E2%80%AEnilreB", "City"),
        ("q=" + "x" * 101, "Search"),
    ],
)
def test_bad_parameters_are_a_readable_400_problem(
    client: FlaskClient, event: Any, query: str, named: str
) -> None:
    problem = assert_problem(client.get(f"/api/v1/events?{query}"), 400)
    assert problem["title"] == "Bad Request"
    assert named in problem["detail"]


@pytest.mark.parametrize("query", ["limit=0", "cursor=%00", "country=%00", "limit=101"])
def test_bad_parameters_of_venues_are_a_400_problem(
    client: FlaskClient, event: Any, query: str
) -> None:
    assert_problem(client.get(f"/api/v1/venues?{query}"), 400)


def test_unknown_parameters_are_ignored(client: FlaskClient, event: Any) -> None:
    response = client.get("/api/v1/events?junk=1&page=abc")
    assert response.status_code == 200
    assert len(response.json["items"]) == 1  # type: ignore[index]


def test_unknown_paths_and_methods_are_problems(client: FlaskClient, event: Any) -> None:
    assert_problem(client.get("/api/v1/nothing"), 404)
    assert_problem(client.get("/api/v2/events"), 404)
    not_allowed = assert_problem(client.post("/api/v1/events"), 405)
    assert not_allowed["title"] == "Method Not Allowed"
    assert "GET" in client.delete("/api/v1/events").headers["Allow"]


def test_html_pages_keep_their_error_pages(client: FlaskClient, app: Flask) -> None:
    response = client.get("/events/no-such-event")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_crash_is_a_500_problem_without_details(
    client: FlaskClient, event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.api.documents, "listing_page", broken)
    problem = assert_problem(client.get("/api/v1/events"), 500)
    assert "secret internals" not in json.dumps(problem)
    assert problem["title"] == "Internal Server Error"


@pytest.mark.parametrize(
    "urls",
    [
        [f"/api/v1/events?limit={n}" for n in (1, 2, 3)],
        [f"/api/v1/venues?limit={n}" for n in (1, 2, 3)],
        # Unknown slugs cost a query each: counted too.
        ["/api/v1/events/{slug}", "/api/v1/events/nothing-1", "/api/v1/events/nothing-2"],
    ],
)
def test_builds_are_rate_limited_with_a_429_problem(
    client: FlaskClient, event: Any, app: Flask, urls: list[str]
) -> None:
    app.config["API_BUILD_RATE_LIMIT"] = "2 per minute"
    first, second, third = (url.format(slug=event.slug) for url in urls)
    assert client.get(first).status_code == 200
    assert client.get(second).status_code in (200, 404)
    refused = client.get(third)
    problem = assert_problem(refused, 429)
    assert problem["title"] == "Too Many Requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    # Answers already built are served as often as asked.
    for _ in range(5):
        assert client.get(first).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/statement", "/api/v1/openapi.json"])
def test_other_spellings_of_a_single_document_share_one_build(
    client: FlaskClient, event: Any, app: Flask, url: str
) -> None:
    app.config["API_BUILD_RATE_LIMIT"] = "1 per minute"
    for n in range(5):
        assert client.get(f"{url}?junk={n}").status_code == 200


# --- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ROUTES)
def test_etag_and_304(client: FlaskClient, event: Any, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    etag = first.headers["ETag"]
    with sql_statements() as statements:
        again = client.get(url, headers={"If-None-Match": etag})
        weak = client.get(url, headers={"If-None-Match": f"W/{etag}"})
    assert again.status_code == 304
    assert weak.status_code == 304
    assert again.data == b""
    assert statements == []
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_has_the_headers_of_get(client: FlaskClient, event: Any) -> None:
    got = client.get("/api/v1/events")
    head = client.head("/api/v1/events")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Content-Type"] == "application/json"


def test_a_change_makes_a_new_document(client: FlaskClient, event: Any) -> None:
    first = client.get(f"/api/v1/events/{event.slug}")
    db.session.refresh(event)
    update_event(event, data=event_input(event, title="Renamed vigil"), editor=event.organizer)
    db.session.commit()
    second = client.get(
        f"/api/v1/events/{event.slug}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    assert second.json["title"] == "Renamed vigil"  # type: ignore[index]


def test_a_document_is_built_once(
    client: FlaskClient, event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = app.api.documents.listing_page

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(app.api.documents, "listing_page", counting)
    for url in (
        "/api/v1/events?country=de",
        "/api/v1/events?country=DE",
        "/api/v1/events?country=DE",
    ):
        assert client.get(url).status_code == 200
    assert len(calls) == 1


# --- CORS and cookies -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*ROUTES, "/api/v1/nothing"])
def test_cors_for_everyone_without_credentials(client: FlaskClient, event: Any, url: str) -> None:
    response = client.get(url, headers={"Origin": "https://partner.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_preflight_is_answered(client: FlaskClient, event: Any) -> None:
    response = client.options(
        "/api/v1/events",
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", [*ROUTES, "/api/v1/events?limit=abc", "/api/v1/nothing"])
def test_no_cookies(client: FlaskClient, event: Any, url: str) -> None:
    # A visitor who chose a language and has a session cookie still gets none set.
    client.get("/language/fa")
    client.get("/auth/login")
    response = client.get(url)
    assert "Set-Cookie" not in response.headers


def test_html_pages_have_no_cors(client: FlaskClient, event: Any) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/events").headers


@pytest.mark.parametrize("url", [*ROUTES, "/api/v1/nothing", "/api/v1/docs"])
def test_no_cookies_for_signed_in_organizers(client: FlaskClient, event: Any, url: str) -> None:
    signed_in(client)
    # Pages refresh the signed-in session's cookie (it is permanent); the API never does.
    assert "Set-Cookie" in client.get("/organize/").headers
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert "Set-Cookie" not in response.headers
