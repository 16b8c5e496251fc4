"""The OpenAPI document, its docs page, and schemathesis against the live document.

Schemathesis reads /api/v1/openapi.json from the app itself and calls every operation
with generated parameters, valid and invalid: no answer may be a 5xx or differ from
what the document says (status, content type, body schema).
"""

from __future__ import annotations

import contextvars
import re
from datetime import date
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app.events.services import cancel_date, cancel_event
from app.extensions import db
from app.models import Event
from tests.factories import (
    berlin_embassy,
    make_event,
    make_series,
    make_statement,
    toronto,
)

OPERATIONS = {
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/events/{slug}"),
    ("GET", "/api/v1/venues"),
    ("GET", "/api/v1/statement"),
}
PLAIN = {"Accept-Encoding": "identity"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Schemathesis forces a build with nearly every request.
    return {"API_BUILD_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def world(app: Flask) -> None:
    """Events of every shape the API shows: one-off, series with a cancelled date,
    cancelled, in another zone; the statement; a mission."""
    make_statement(title="Free them all", body="We **stand** with them.")
    berlin = berlin_embassy()
    make_event(berlin, title="Vigil at the embassy", description="Bring *candles*.")
    series = make_series(berlin, title="Weekly vigil")
    cancel_date(series, date(2026, 12, 12), reason="Holiday", editor=series.organizer)
    cancelled = make_event(toronto(), title="Rally in Toronto")
    cancel_event(cancelled, reason="Storm", editor=cancelled.organizer)
    db.session.commit()


def test_the_document_names_every_operation(client: FlaskClient, app: Flask) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec is not None
    assert spec["openapi"] == "3.1.0"
    found = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert found == OPERATIONS
    # Query parameters come from the forms that read them.
    names = [
        parameter["name"] for parameter in spec["paths"]["/api/v1/events"]["get"]["parameters"]
    ]
    assert names == [
        "country",
        "city",
        "kind",
        "near",
        "radius_km",
        "q",
        "from",
        "to",
        "cursor",
        "limit",
    ]
    kind = spec["paths"]["/api/v1/events"]["get"]["parameters"][2]["schema"]
    assert kind == {
        "anyOf": [{"type": "string", "enum": ["rally", "vigil", "march", "other"]}, {"const": ""}]
    }


def test_the_docs_page_is_rendered_from_the_document(client: FlaskClient, app: Flask) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in ("/api/v1/events", "/api/v1/events/{slug}", "/api/v1/venues", "/api/v1/statement"):
        assert f"GET {path}" in page
    assert "radius_km" in page
    # Nothing is loaded from elsewhere: every src and stylesheet is on this site.
    for address in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert not address.startswith(("http:", "https:", "//")) or address.startswith(
            "http://localhost/"
        ), address
    assert "<script>" not in page  # no inline script (the CSP forbids it)
    assert "Content-Security-Policy" in response.headers


def _run_operations(app: Flask, mode: GenerationMode, examples: int) -> set[tuple[str, str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seen: set[tuple[str, str]] = set()
    checks = [*CHECKS, negative_data_rejection] if mode == GenerationMode.NEGATIVE else CHECKS
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.add((operation.method.upper(), operation.path))
        if mode == GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
            continue  # nothing to make invalid (the statement)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def call(case: Any) -> None:
            # The WSGI transport does not unpack gzip, as an HTTP client would.
            case.call_and_validate(checks=checks, headers=PLAIN)

        call()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_errors(app: Flask, world: None, mode: GenerationMode) -> None:
    db.session.commit()
    # Each request in its own context, as in production (tests.conftest.IsolatedClient).
    seen = contextvars.Context().run(_run_operations, app, mode, 100)
    assert seen == OPERATIONS


def test_a_known_slug_conforms(app: Flask, world: None) -> None:
    """Generated slugs are almost never real: call the real ones once."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/events/{slug}"]["GET"]
    slugs = list(db.session.scalars(select(Event.slug)))
    for slug in slugs:
        case = operation.Case(path_parameters={"slug": slug})
        response = contextvars.Context().run(case.call_and_validate, checks=CHECKS, headers=PLAIN)
        assert response.status_code == 200
    assert len(slugs) == 3
