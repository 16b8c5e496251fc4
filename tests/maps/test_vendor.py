"""Leaflet and Leaflet.markercluster served from their installed packages, on our origin.

Issue 5 (privacy): no CDN; the version is in the path so browsers keep the files
a year; other versions, other packages and paths outside the package are a 404.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

LEAFLET = "/static/vendor/leaflet/1.9.3"
CLUSTER = "/static/vendor/leaflet.markercluster/1.4.1"
JAVASCRIPT = {"application/javascript", "text/javascript"}


@pytest.mark.parametrize(
    ("url", "types", "starts"),
    [
        (f"{LEAFLET}/leaflet.js", JAVASCRIPT, b"/* @preserve"),
        (f"{LEAFLET}/leaflet.css", {"text/css"}, b""),
        (f"{LEAFLET}/images/marker-icon.png", {"image/png"}, b"\x89PNG\r\n\x1a\n"),
        (f"{LEAFLET}/images/marker-icon-2x.png", {"image/png"}, b"\x89PNG\r\n\x1a\n"),
        (f"{LEAFLET}/images/marker-shadow.png", {"image/png"}, b"\x89PNG\r\n\x1a\n"),
        (f"{CLUSTER}/leaflet.markercluster.js", JAVASCRIPT, b""),
        (f"{CLUSTER}/MarkerCluster.css", {"text/css"}, b""),
        (f"{CLUSTER}/MarkerCluster.Default.css", {"text/css"}, b""),
    ],
)
def test_assets_are_served(
    client: FlaskClient, app: Any, url: str, types: set[str], starts: bytes
) -> None:
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype in types
        assert response.data.startswith(starts)
        assert len(response.data) > 100
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_leaflet_is_the_version_in_its_path(client: FlaskClient, app: Any) -> None:
    with client.get(f"{LEAFLET}/leaflet.js") as response:
        assert b"1.9.3" in response.data[:300]


@pytest.mark.parametrize(
    "url",
    [
        "/static/vendor/leaflet/1.9.4/leaflet.js",
        "/static/vendor/leaflet/1.9.2/leaflet.js",
        "/static/vendor/leaflet/1.9.3.0/leaflet.js",
        "/static/vendor/leaflet/latest/leaflet.js",
        "/static/vendor/leaflet.markercluster/1.4.0/leaflet.markercluster.js",
        "/static/vendor/leaflet.markercluster/1.9.3/leaflet.markercluster.js",
        "/static/vendor/jquery/3.7.1/jquery.min.js",
        "/static/vendor/bootstrap/5.2.2/bootstrap.min.js",
        "/static/vendor/Leaflet/1.9.3/leaflet.js",
        f"{LEAFLET}/no-such-file.js",
        f"{LEAFLET}/images/",
        f"{LEAFLET}/",
    ],
)
def test_other_versions_and_names_are_404(client: FlaskClient, app: Any, url: str) -> None:
    with client.get(url) as response:
        assert response.status_code == 404, url


@pytest.mark.parametrize(
    "tail",
    [
        "../__init__.py",
        "../../__init__.py",
        "../../../../../../etc/passwd",
        "..%2f__init__.py",
        "..%2F..%2F__init__.py",
        "%2e%2e/__init__.py",
        "%2e%2e%2f%2e%2e%2f__init__.py",
        "images/../../__init__.py",
        "images/..%2f..%2f__init__.py",
        "..\\__init__.py",
        "..%5c__init__.py",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "....//__init__.py",
        "leaflet.js%00.png",
    ],
)
def test_path_traversal_is_404(client: FlaskClient, app: Any, tail: str) -> None:
    for base in (LEAFLET, CLUSTER):
        with client.get(f"{base}/{tail}") as response:
            assert response.status_code == 404, (base, tail)
            assert b"import" not in response.data
            assert b"root:" not in response.data


def test_the_versions_are_recorded(app: Any) -> None:
    from app import PROJECT_ROOT

    readme = (PROJECT_ROOT / "static" / "vendor" / "README.md").read_text(encoding="utf-8")
    assert "1.9.3" in readme
    assert "1.4.1" in readme
