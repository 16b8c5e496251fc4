"""429 answers say how long to wait, in the words the Retry-After header gives."""

from __future__ import annotations

import json

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter


@pytest.fixture
def limited_app(app: Flask) -> Flask:
    """The test app with limited routes, registered before the first request."""

    # One function per limit: Flask-Limiter keys a decorated view by its function's name.
    def per_minute() -> str:
        return "ok"

    def per_ten_minutes() -> str:
        return "ok"

    def per_day() -> str:
        return "ok"

    app.add_url_rule("/__test__/limited", "per_minute", limiter.limit("1 per minute")(per_minute))
    app.add_url_rule(
        "/__test__/limited.json",
        "per_ten_minutes",
        limiter.limit("1 per 10 minutes")(per_ten_minutes),
    )
    app.add_url_rule("/__test__/limited.ics", "per_day", limiter.limit("1 per day")(per_day))

    def slow_down() -> str:
        raise TooManyRequests(retry_after=90)

    def refuse() -> str:
        abort(429)

    app.add_url_rule("/__test__/slow-down", "slow_down", slow_down)
    app.add_url_rule("/__test__/refuse", "refuse", refuse)
    return app


def _refused(client: FlaskClient, path: str) -> tuple[int, str]:
    assert client.get(path).status_code == 200
    response = client.get(path)
    assert response.status_code == 429
    return int(response.headers["Retry-After"]), response.get_data(as_text=True)


def test_page_says_the_seconds_retry_after_gives(limited_app: Flask) -> None:
    seconds, html = _refused(limited_app.test_client(), "/__test__/limited")
    assert 55 <= seconds <= 61
    assert f"Too many attempts. Wait {seconds} seconds and try again." in html


def test_json_says_the_minutes_retry_after_gives(limited_app: Flask) -> None:
    seconds, body = _refused(limited_app.test_client(), "/__test__/limited.json")
    assert seconds == 600  # 10 minutes, rounded up to the whole minute the words say
    assert json.loads(body) == {"error": "Too many attempts. Wait 10 minutes and try again."}


def test_plain_text_says_the_hours_retry_after_gives(limited_app: Flask) -> None:
    seconds, body = _refused(limited_app.test_client(), "/__test__/limited.ics")
    assert seconds == 24 * 3600
    assert body == "Too many attempts. Wait 24 hours and try again."


def test_a_429_raised_with_a_retry_after_keeps_it(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/__test__/slow-down")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "90"
    assert "Wait 90 seconds and try again." in response.get_data(as_text=True)


def test_a_bare_429_says_one_minute_and_sets_the_header(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/__test__/refuse")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "Wait 60 seconds and try again." in response.get_data(as_text=True)


def test_the_wait_is_translated(limited_app: Flask) -> None:
    client = limited_app.test_client()
    client.set_cookie("lang", "fa")
    seconds, body = _refused(client, "/__test__/limited.json")
    assert seconds == 600
    assert json.loads(body) == {
        "error": "تلاش‌ها بیش از اندازه بوده است. 10 دقیقه صبر کنید و دوباره تلاش کنید."
    }
