"""The street map: a PMTiles archive (VIGIL_MAP_PMTILES) served from our own origin.

Browsers read the archive in ranges (protomaps-leaflet draws it), so its URL must
answer ranges as HTTP says: 206 with Content-Range, 200 for the whole file, 416 for
a range past its end; 404 without an archive. Nothing about the policy changes:
the archive is fetched (connect-src 'self') and drawn on canvases (no img-src).
A file that is not an archive stops start-up. The renderer is one pinned file whose
checksum, version and refresh target agree.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import PROJECT_ROOT
from app.config import ConfigError
from app.extensions import db
from app.maps.archive import _HEADER, HEADER_LENGTH, read_archive
from app.maps.rendering import STREETS_MIN_ZOOM
from app.maps.vendor import PROTOMAPS_LEAFLET_VERSION
from tests.conftest import make_app
from tests.factories import berlin_embassy, make_event
from tests.maps.parsing import attribute
from tests.maps.streets import make_street_archive

LATITUDE, LONGITUDE = 52.4631, 13.2953  # the Berlin embassy of the factories
RENDERER = f"/static/vendor/protomaps-leaflet/{PROTOMAPS_LEAFLET_VERSION}/protomaps-leaflet.js"
VENDOR_DIR = PROJECT_ROOT / "static" / "vendor" / "protomaps-leaflet"
# The policy every page has without street tiles of another origin (app.web).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; object-src 'none'"
)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_street_archive(tmp_path / "berlin.pmtiles", LATITUDE, LONGITUDE)


@pytest.fixture
def app_overrides(archive: Path) -> dict[str, Any]:
    return {"MAP_PMTILES": str(archive)}


def _streets_url(html: str) -> str:
    (url,) = attribute(html, "div", "data-streets-url")
    return url


def test_the_header_layout_is_the_specifications() -> None:
    assert _HEADER.size == HEADER_LENGTH == 127


def test_the_map_page_draws_the_archive(client: FlaskClient, archive: Path) -> None:
    response = client.get("/map")
    html = response.get_data(as_text=True)
    version = read_archive(str(archive)).version
    assert _streets_url(html) == f"/map/streets.pmtiles?v={version}"
    assert attribute(html, "script", "src").count(RENDERER) == 1
    assert attribute(html, "div", "data-streets-attribution") == [
        "© OpenStreetMap contributors, Protomaps"
    ]
    # The archive holds zooms 6–14: drawn from the street zoom, overzoomed past 14.
    assert attribute(html, "div", "data-streets-min-zoom") == [str(STREETS_MIN_ZOOM)]
    assert attribute(html, "div", "data-streets-max-data-zoom") == ["14"]
    west, south, east, north = map(
        float, attribute(html, "div", "data-streets-bounds")[0].split(",")
    )
    assert west < LONGITUDE < east
    assert south < LATITUDE < north
    assert response.headers["Content-Security-Policy"] == CSP


def test_the_event_page_loads_the_renderer_only_with_its_map(
    client: FlaskClient, archive: Path
) -> None:
    event = make_event(berlin_embassy())
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    # Not in the page: map-loader.js loads it when the visitor shows the map.
    assert RENDERER not in attribute(html, "script", "src")
    assert attribute(html, "div", "data-streets-renderer") == [RENDERER]
    assert attribute(html, "div", "data-streets-url") == [_streets_url(html)]


def test_ranges_are_206_with_their_content_range(client: FlaskClient, archive: Path) -> None:
    data = archive.read_bytes()
    url = _streets_url(client.get("/map").get_data(as_text=True))
    with client.get(url, headers={"Range": "bytes=0-16383"}) as response:
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes 0-16383/{len(data)}"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.data == data[:16384]
        assert response.data.startswith(b"PMTiles\x03")
    with client.get(url, headers={"Range": "bytes=20000-20099"}) as response:
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes 20000-20099/{len(data)}"
        assert response.headers["Content-Length"] == "100"
        assert response.data == data[20000:20100]
    # A range reaching past the end ends at the end (RFC 9110 §14.1.1).
    with client.get(url, headers={"Range": f"bytes={len(data) - 10}-99999999"}) as response:
        assert response.status_code == 206
        assert response.data == data[-10:]


def test_the_whole_file_is_200(client: FlaskClient, archive: Path) -> None:
    with client.get("/map/streets.pmtiles") as response:
        assert response.status_code == 200
        assert response.data == archive.read_bytes()
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("bad", ["bytes=99999999-", "bytes=99999999-100000000"])
def test_a_range_past_the_end_is_416(client: FlaskClient, archive: Path, bad: str) -> None:
    with client.get("/map/streets.pmtiles", headers={"Range": bad}) as response:
        assert response.status_code == 416
        assert response.headers["Content-Range"] == f"bytes */{archive.stat().st_size}"


def test_the_current_version_is_kept_a_year_others_revalidate(
    client: FlaskClient, archive: Path
) -> None:
    url = _streets_url(client.get("/map").get_data(as_text=True))
    version = read_archive(str(archive)).version
    with client.get(url, headers={"Range": "bytes=0-99"}) as response:
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache
        assert "immutable" in cache
        assert "public" in cache
        # Strong (protomaps-leaflet ignores weak ones) and the archive's own.
        assert response.headers["ETag"] == f'"{version}"'
    for stale in ("/map/streets.pmtiles", "/map/streets.pmtiles?v=0123456789abcdef0123"):
        with client.get(stale, headers={"Range": "bytes=0-99"}) as response:
            assert response.status_code == 206
            assert "max-age=0" in response.headers["Cache-Control"]
            assert "immutable" not in response.headers["Cache-Control"]
    with client.get(url, headers={"If-None-Match": f'"{version}"'}) as response:
        assert response.status_code == 304


def test_the_version_follows_the_file_not_its_copy(tmp_path: Path, archive: Path) -> None:
    """Every app server's copy has the same ETag (browsers compare them); a new file another."""
    copy = tmp_path / "copy.pmtiles"
    copy.write_bytes(archive.read_bytes())
    os.utime(copy, (1_000_000, 1_000_000))
    assert read_archive(str(copy)).version == read_archive(str(archive)).version
    other = make_street_archive(tmp_path / "other.pmtiles", 48.8674, 2.3636)
    assert read_archive(str(other)).version != read_archive(str(archive)).version


def test_a_replaced_archive_gets_a_new_version(client: FlaskClient, archive: Path) -> None:
    first = read_archive(str(archive)).version
    make_street_archive(archive, 48.8674, 2.3636)
    second = read_archive(str(archive)).version
    assert second != first
    # What browsers kept under the old version is not answered as if it were current.
    with client.get(f"/map/streets.pmtiles?v={first}", headers={"Range": "bytes=0-9"}) as old:
        assert "immutable" not in old.headers["Cache-Control"]
        assert old.headers["ETag"] == f'"{second}"'
    with client.get(f"/map/streets.pmtiles?v={second}", headers={"Range": "bytes=0-9"}) as new:
        assert "immutable" in new.headers["Cache-Control"]


@contextlib.contextmanager
def _own_app(database_url: str, **overrides: Any) -> Iterator[Flask]:
    """An app of the test's own settings; its connections closed after (PostgreSQL warns
    of a connection the garbage collector finds open)."""
    app = make_app(database_url, **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def test_without_an_archive_there_is_no_street_map(database_url: str) -> None:
    with _own_app(database_url) as plain:
        _no_street_map(plain.test_client())


def _no_street_map(client: FlaskClient) -> None:
    with client.get("/map/streets.pmtiles") as response:
        assert response.status_code == 404
    with client.get("/map/streets.pmtiles", headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 404
    html = client.get("/map").get_data(as_text=True)
    assert attribute(html, "div", "data-streets-url") == []
    assert RENDERER not in attribute(html, "script", "src")
    # The offline layer stays.
    assert attribute(html, "div", "data-countries") != []


def test_an_archive_gone_after_start_up_turns_the_street_map_off(
    client: FlaskClient, archive: Path, app_logs: pytest.LogCaptureFixture
) -> None:
    archive.unlink()
    with client.get("/map/streets.pmtiles") as response:
        assert response.status_code == 404
    html = client.get("/map?country=DE").get_data(as_text=True)
    assert attribute(html, "div", "data-streets-url") == []
    assert "street map turned off" in app_logs.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot be read"),
        (b"", "not a PMTiles archive"),
        (b"<html>not an archive</html>" * 10, "not a PMTiles archive"),
        (b"PMTiles\x02" + bytes(200), "version 2"),
    ],
)
def test_a_file_that_is_no_archive_stops_start_up(
    database_url: str, tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "streets.pmtiles"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=f"VIGIL_MAP_PMTILES: .*{reason}"):
        make_app(database_url, MAP_PMTILES=str(path))


def test_raster_archives_stop_start_up(database_url: str, tmp_path: Path, archive: Path) -> None:
    # protomaps-leaflet draws vector tiles only; a PNG archive would be a blank map.
    data = bytearray(archive.read_bytes())
    data[99] = 2  # tile type: PNG
    path = tmp_path / "raster.pmtiles"
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="no vector tiles"):
        make_app(database_url, MAP_PMTILES=str(path))


def test_a_relative_path_is_read_from_the_working_directory(
    database_url: str, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(archive.parent)
    with _own_app(database_url, MAP_PMTILES=archive.name) as relative:
        assert relative.config["MAP_PMTILES"] == str(archive)
        with relative.test_client().get("/map/streets.pmtiles") as response:
            assert response.status_code == 200


def test_a_long_attribution_stops_start_up(database_url: str, archive: Path) -> None:
    with pytest.raises(ConfigError, match="VIGIL_MAP_PMTILES_ATTRIBUTION"):
        make_app(database_url, MAP_PMTILES=str(archive), MAP_PMTILES_ATTRIBUTION="x" * 201)


def test_the_attribution_is_text_in_an_attribute(database_url: str, archive: Path) -> None:
    hostile = '"><script>alert(1)</script>'
    with _own_app(database_url, MAP_PMTILES=str(archive), MAP_PMTILES_ATTRIBUTION=hostile) as tiled:
        html = tiled.test_client().get("/map").get_data(as_text=True)
    assert attribute(html, "div", "data-streets-attribution") == [hostile]
    assert "<script>alert(1)" not in html


# --- The renderer: one pinned file from npm -----------------------------------------------


def test_the_renderer_matches_its_checksums() -> None:
    sums = (VENDOR_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    files = {}
    for line in sums:
        digest, name = line.split("  ", 1)
        files[name] = digest
    assert set(files) == {"protomaps-leaflet.js", "LICENSE"}
    for name, digest in files.items():
        assert hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest() == digest, name


def test_the_version_is_the_same_everywhere() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    (pinned,) = re.findall(r"^PROTOMAPS_LEAFLET_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert pinned == PROTOMAPS_LEAFLET_VERSION
    readme = (PROJECT_ROOT / "static" / "vendor" / "README.md").read_text(encoding="utf-8")
    assert f"| protomaps-leaflet (JS) | {PROTOMAPS_LEAFLET_VERSION} |" in readme


def test_the_renderer_names_no_host_it_would_load_from() -> None:
    """Its only URLs are the default attribution's links (replaced by ours) and a dummy
    base for parsing relative URLs; it loads no fonts, sprites or glyphs unless asked."""
    source = (VENDOR_DIR / "protomaps-leaflet.js").read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\"'`)\s]+", source))
    assert urls == {
        "http://example.com",  # new URL(url, "http://example.com"): is the path .pmtiles?
        "http://www.w3.org/2000/svg",  # an XML namespace
        "https://protomaps.com",  # default attribution (ours is given)
        "https://openstreetmap.org/copyright",  # default attribution
    }


def test_the_renderer_is_served_a_year(client: FlaskClient) -> None:
    with client.get(RENDERER) as response:
        assert response.status_code == 200
        assert response.mimetype in {"application/javascript", "text/javascript"}
        assert response.data.startswith(b'"use strict";var protomapsL=')
        assert "max-age=31536000" in response.headers["Cache-Control"]
    with client.get(RENDERER.replace(PROTOMAPS_LEAFLET_VERSION, "5.0.1")) as response:
        assert response.status_code == 404
