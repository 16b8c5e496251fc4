"""Previews of the home page, the statement and the map; cached pages keep them right."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import signed_in
from tests.factories import make_event, make_statement
from tests.previews.parsing import Head, parse_head

DEFAULT_DESCRIPTION = (
    "Rallies and vigils in solidarity with the political prisoners of Iran "
    "and the Woman, Life, Freedom movement."
)


def _head(client: FlaskClient, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200
    return parse_head(response.get_data(as_text=True))


def _expected(path: str, title: str, description: str, og_type: str = "website") -> dict[str, str]:
    return {
        "og:type": og_type,
        "og:site_name": "Vigil",
        "og:locale": "en_US",
        "og:url": f"http://localhost{path}",
        "og:title": title,
        "og:description": description,
        # Vigil has no site-wide image: the small card, no og:image.
        "twitter:card": "summary",
    }


def test_home_page_shows_the_pinned_statement(client: FlaskClient) -> None:
    make_statement(title="Free them all", body="We *stand* with the prisoners.\n\nMore text.")
    make_event()  # listed on the home page; its JSON-LD belongs to its own page
    head = _head(client, "/")
    assert head.og() == _expected("/", "Free them all", "We stand with the prisoners.")
    assert head.json_ld == []


def test_home_page_without_a_statement(client: FlaskClient) -> None:
    head = _head(client, "/")
    assert head.og() == _expected(
        "/", "Rallies and vigils for Iran's political prisoners", DEFAULT_DESCRIPTION
    )


def test_statement_page(client: FlaskClient) -> None:
    long_body = "Word " * 100
    make_statement(title="Free them all", subtitle="", body=f"{long_body}\n\nSecond.")
    og = _head(client, "/statement").og()
    assert og["og:type"] == "article"
    assert og["og:url"] == "http://localhost/statement"
    assert og["og:title"] == "Free them all"
    # Trimmed at a word to at most 200 characters, and marked as cut.
    assert len(og["og:description"]) <= 200
    assert og["og:description"].startswith("Word Word")
    assert og["og:description"].endswith("Word…")
    make_statement(title="Free them all", subtitle="A short subtitle", body="Body.")
    assert _head(client, "/statement").og()["og:description"] == "A short subtitle"


def test_statement_page_before_any_statement(client: FlaskClient) -> None:
    assert _head(client, "/statement").og() == _expected(
        "/statement", "Statement", DEFAULT_DESCRIPTION, "article"
    )


@pytest.mark.parametrize("query", ["", "?near=Berlin&radius_km=50", "?kind=vigil"])
def test_map_page_names_the_map_whatever_its_filters(client: FlaskClient, query: str) -> None:
    head = _head(client, f"/map{query}")
    assert head.og() == _expected("/map", "Map of rallies and vigils", DEFAULT_DESCRIPTION)


def test_cached_pages_keep_the_language_of_their_preview(client: FlaskClient) -> None:
    make_statement(title="آزادی", body="ما در کنار زندانیان هستیم.")
    for path in ("/", "/statement", "/map"):
        english = _head(client, path).og()
        assert english["og:locale"] == "en_US"
        assert _head(client, path).og() == english  # now from the page cache
        client.set_cookie("lang", "fa")
        persian = _head(client, path).og()
        assert persian["og:locale"] == "fa_IR"
        assert _head(client, path).og() == persian
        client.delete_cookie("lang")
        assert _head(client, path).og() == english
    assert _head(client, "/").og()["og:title"] == "آزادی"


def test_cached_pages_follow_the_data(client: FlaskClient) -> None:
    make_statement(title="First title")
    assert _head(client, "/").og()["og:title"] == "First title"
    make_statement(title="Second title")
    assert _head(client, "/").og()["og:title"] == "Second title"


def test_signed_in_pages_have_the_same_preview(client: FlaskClient) -> None:
    make_statement()
    anonymous = {path: _head(client, path).og() for path in ("/", "/statement", "/map")}
    signed_in(client)
    for path, og in anonymous.items():
        assert _head(client, path).og() == og
