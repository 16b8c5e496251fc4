"""The operator's street tiles (VIGIL_TILE_URL): asked for consent, allowed by the CSP.

Issue 5 (privacy): tiles from another origin show that host the visitor's IP, so
the map first shows the offline layer and a notice with a button; that origin,
and only that one, is added to img-src. The URL goes into a header, so anything
that could break out of it, or point the browser elsewhere, stops start-up.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import ConfigError
from app.extensions import db
from tests.conftest import TEST_SECRET, IsolatedClient
from tests.factories import berlin_embassy, make_event
from tests.maps.parsing import attribute, csp_directives, page_parts, script_hash

TILE_URL = "https://tiles.example.org/osm/{z}/{x}/{y}.png"
ATTRIBUTION = "© OpenStreetMap contributors"
BASE_IMG_SRC = ["'self'", "data:"]


@pytest.fixture
def configured(database_url: str) -> Iterator[Callable[[dict[str, str]], Flask]]:
    """Build apps configured through the environment, as in production."""
    apps: list[Flask] = []

    def build(environ: dict[str, str]) -> Flask:
        built = create_app(
            {
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": database_url,
                "REDIS_URL": None,
                "CACHE_DIR": tempfile.mkdtemp(prefix="vigil-cache-"),
                "TESTING": True,
                "BASE_URL": "http://localhost",  # the test client's host
            },
            environ=environ,
        )
        built.test_client_class = IsolatedClient
        apps.append(built)
        return built

    yield build
    for built in apps:
        with built.app_context():
            db.engine.dispose()


def _map(client: FlaskClient) -> tuple[str, dict[str, list[str]]]:
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    directives = csp_directives(response.headers["Content-Security-Policy"])
    # Tiles never loosen the script policy.
    scripts = page_parts(html).inline_scripts
    assert directives["script-src"] == ["'self'", *[script_hash(s) for s in scripts]]
    return html, directives


def test_tiles_on_another_origin_need_consent(app: Any, configured: Any) -> None:
    tiled = configured({"VIGIL_TILE_URL": TILE_URL, "VIGIL_TILE_ATTRIBUTION": ATTRIBUTION})
    html, directives = _map(tiled.test_client())

    assert directives["img-src"] == [*BASE_IMG_SRC, "https://tiles.example.org"]
    # Only images: scripts, styles and fetches stay on our origin.
    for name in ("script-src", "style-src", "connect-src", "font-src"):
        assert "https://tiles.example.org" not in directives[name]
    assert attribute(html, "div", "data-tile-url") == [TILE_URL]
    assert attribute(html, "div", "data-tile-attribution") == [ATTRIBUTION]
    assert attribute(html, "div", "data-tile-consent") == ["true"]
    # The notice, hidden until the script shows it, names the host and has its button.
    assert attribute(html, "div", "class").count("tile-consent") == 1
    notice = html.split('<div class="tile-consent" hidden>', 1)[1].split("</div>", 1)[0]
    assert "tiles.example.org" in notice
    assert "IP address" in notice
    assert '<button type="button" class="load-tiles">' in notice


def test_a_port_is_part_of_the_origin(app: Any, configured: Any) -> None:
    tiled = configured({"VIGIL_TILE_URL": "https://tiles.example.org:8443/{z}/{x}/{y}"})
    _html, directives = _map(tiled.test_client())
    assert directives["img-src"] == [*BASE_IMG_SRC, "https://tiles.example.org:8443"]


def test_the_event_page_has_the_same_consent(app: Any, configured: Any) -> None:
    event = make_event(berlin_embassy())
    tiled = configured({"VIGIL_TILE_URL": TILE_URL})
    response = tiled.test_client().get(f"/events/{event.slug}")
    html = response.get_data(as_text=True)
    assert attribute(html, "div", "data-tile-consent") == ["true"]
    assert '<div class="tile-consent" hidden>' in html
    assert (
        "https://tiles.example.org"
        in csp_directives(response.headers["Content-Security-Policy"])["img-src"]
    )


@pytest.mark.parametrize("url", ["/tiles/{z}/{x}/{y}.png", "/osm/{z}/{x}/{y}@2x.png"])
def test_tiles_on_our_own_origin_need_no_consent(app: Any, configured: Any, url: str) -> None:
    tiled = configured({"VIGIL_TILE_URL": url})
    html, directives = _map(tiled.test_client())
    assert directives["img-src"] == BASE_IMG_SRC
    assert attribute(html, "div", "data-tile-url") == [url]
    assert attribute(html, "div", "data-tile-consent") == ["false"]
    assert "tile-consent" not in attribute(html, "div", "class")
    assert "load-tiles" not in html


def test_our_own_host_spelled_as_a_url_needs_no_consent(app: Any, configured: Any) -> None:
    tiled = configured({"VIGIL_TILE_URL": "http://localhost/tiles/{z}/{x}/{y}.png"})
    html, _directives = _map(tiled.test_client())
    assert attribute(html, "div", "data-tile-consent") == ["false"]
    assert "load-tiles" not in html


def test_no_tiles_by_default(client: FlaskClient) -> None:
    html, directives = _map(client)
    assert directives["img-src"] == BASE_IMG_SRC
    assert attribute(html, "div", "data-tile-url") == []
    assert attribute(html, "div", "data-tile-consent") == []


@pytest.mark.parametrize("app_overrides", [{"TILE_URL": TILE_URL}])
def test_overrides_work_like_the_environment(app: Any, client: FlaskClient) -> None:
    # The test fixtures pass settings as overrides; the origin must follow them too.
    assert app.config["TILE_ORIGIN"] == "https://tiles.example.org"
    _html, directives = _map(client)
    assert directives["img-src"] == [*BASE_IMG_SRC, "https://tiles.example.org"]


@pytest.mark.parametrize(
    "url",
    [
        "https://tiles.example.org/{x}/{y}.png",  # no {z}
        "https://tiles.example.org/{z}/{y}.png",  # no {x}
        "https://tiles.example.org/{z}/{x}.png",  # no {y}
        "https://tiles.example.org/",
        "javascript:alert(1)//{z}/{x}/{y}",
        "data:image/png;base64,{z}{x}{y}",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}/{y}.png'",
        'https://tiles.example.org/{z}/{x}/{y}.png"',
        "https://tiles.example.org/{z}/{x}/{y}.png 'unsafe-inline'",
        "https://tiles.example.org/{z}/{x}/{y}.png; script-src *",
        "https://tiles.example.org;/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}/{y}.png\nX-Injected: 1",
        "https://tiles.example.org/{z}/{x}/{y}.png\r\n",
        "https://tiles.example.org/{z}/<{x}>/{y}.png",
        "https://user:secret@tiles.example.org/{z}/{x}/{y}.png",
        "https://*.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org:99999999/{z}/{x}/{y}.png",
        "*/{z}/{x}/{y}.png",
        "",
    ],
)
def test_invalid_tile_urls_stop_start_up(configured: Any, url: str) -> None:
    if url == "":
        # Empty is "unset": the offline map, not an error.
        assert configured({"VIGIL_TILE_URL": url}).config["TILE_ORIGIN"] is None
        return
    with pytest.raises(ConfigError, match="VIGIL_TILE_URL"):
        configured({"VIGIL_TILE_URL": url})


@pytest.mark.parametrize(
    "url",
    [
        # A scheme-relative URL is another host to the browser, not a path on ours.
        "//tiles.example.org/{z}/{x}/{y}.png",
        "///tiles.example.org/{z}/{x}/{y}.png",
    ],
)
def test_a_scheme_relative_url_is_not_taken_for_our_own_path(configured: Any, url: str) -> None:
    """``//host/…`` is another host to the browser: refused like any other bad value.

    Taken as a path on our own site, it would get data-tile-consent="false" and no
    img-src entry, so the script would load another host's tiles without asking (and
    the CSP would then block them: a broken map full of violations).
    """
    with pytest.raises(ConfigError, match="VIGIL_TILE_URL"):
        configured({"VIGIL_TILE_URL": url})


def test_a_long_attribution_stops_start_up(configured: Any) -> None:
    with pytest.raises(ConfigError, match="VIGIL_TILE_ATTRIBUTION"):
        configured({"VIGIL_TILE_URL": TILE_URL, "VIGIL_TILE_ATTRIBUTION": "x" * 201})


def test_the_attribution_is_text_in_an_attribute(app: Any, configured: Any) -> None:
    hostile = '"><script>alert(1)</script>'
    tiled = configured({"VIGIL_TILE_URL": TILE_URL, "VIGIL_TILE_ATTRIBUTION": hostile})
    html, _directives = _map(tiled.test_client())
    assert attribute(html, "div", "data-tile-attribution") == [hostile]
    assert "<script>alert(1)" not in html
