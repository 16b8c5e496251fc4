"""/healthz and /readyz: cheap, never cached, for any Host, naming checks and never servers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from tests.conftest import TEST_REDIS_URL, make_app, sql_statements

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody:pw@127.0.0.1:1/nothing"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _checks(response: object) -> dict[str, object]:
    body = json.loads(response.get_data(as_text=True))  # type: ignore[attr-defined]
    return dict(body)


def test_healthz_answers_without_database_session_or_locale(client: FlaskClient) -> None:
    with sql_statements() as statements:
        response = client.get("/healthz", headers={"Accept-Language": "fa"})
    assert response.status_code == 200
    assert response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content_type == "text/plain; charset=utf-8"
    # Nothing of Flask's request machinery ran: no SQL, no cookie, no Vary, no request id.
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    assert "X-Request-ID" not in response.headers


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_any_host_and_head_but_no_post(client: FlaskClient, path: str) -> None:
    # A load balancer probes by address: the probes carry no link and no data.
    assert client.get(path, headers={"Host": "10.0.0.7:8000"}).status_code == 200
    head = client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) > 0
    post = client.post(path)
    assert post.status_code == 405
    assert post.headers["Allow"] == "GET, HEAD"


def test_readyz_reports_each_check(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    expected = {"database": "ok", "migrations": "ok"}
    if TEST_REDIS_URL:
        expected["redis"] = "ok"
    assert _checks(response) == {"status": "ok", "checks": expected}


@pytest.fixture
def behind_head(app: Flask) -> Iterator[None]:
    """The database's recorded revision is not the scripts' head (restored after)."""
    with db.engine.begin() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


@pytest.mark.usefixtures("behind_head")
def test_readyz_is_503_when_migrations_are_not_at_head(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = _checks(response)
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "ok",
        "migrations": "not at head",
        **({"redis": "ok"} if TEST_REDIS_URL else {}),
    }


def test_readyz_names_unreachable_servers_without_their_addresses(
    app: Flask, app_logs: pytest.LogCaptureFixture
) -> None:
    down = make_app(
        UNREACHABLE_DATABASE, REDIS_URL=UNREACHABLE_REDIS, CACHE_REDIS_URL=UNREACHABLE_REDIS
    )
    client = down.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _checks(response) == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "migrations": "unknown", "redis": "unreachable"},
    }
    body = response.get_data(as_text=True)
    assert "127.0.0.1" not in body
    assert "nobody" not in body
    # One warning when readiness changes, not one per probe; no address in it either.
    client.get("/readyz")
    warnings = [r.getMessage() for r in app_logs.records if r.name == "app.health"]
    assert warnings == ["not ready: database, migrations, redis"]
    assert "127.0.0.1" not in app_logs.text
    # The liveness probe does not care.
    assert client.get("/healthz").status_code == 200
