"""Leaflet and Leaflet.markercluster, served from their installed xstatic packages,
and protomaps-leaflet (the street map's renderer) from its one pinned file.

No browser fetches third-party JavaScript from a CDN: pip installs the Leaflet
packages (pyproject.toml); protomaps-leaflet exists only on npm, so its built file
is committed under static/vendor/protomaps-leaflet/ with its licence and checksum
(`make protomaps-leaflet` refreshes it). These routes serve the files under our own
origin, with the version in the path so browsers may keep them a year. Versions
are listed in static/vendor/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, abort, send_from_directory, url_for
from werkzeug.wrappers import Response

from app import PROJECT_ROOT

ONE_YEAR = 365 * 24 * 3600
# The committed file's version; the Makefile's PROTOMAPS_LEAFLET_VERSION must match
# (tests/maps/test_streets.py).
PROTOMAPS_LEAFLET_VERSION = "5.1.0"


@dataclass(frozen=True)
class Package:
    directory: str
    version: str


def _package(module: ModuleType) -> Package:
    return Package(directory=str(module.BASE_DIR), version=str(module.VERSION))


PACKAGES = {
    "leaflet": _package(xstatic.pkg.leaflet),
    "leaflet.markercluster": _package(xstatic.pkg.leaflet_markercluster),
    "protomaps-leaflet": Package(
        directory=str(PROJECT_ROOT / "static" / "vendor" / "protomaps-leaflet"),
        version=PROTOMAPS_LEAFLET_VERSION,
    ),
}

bp = Blueprint("vendor", __name__)


@bp.get("/static/vendor/<name>/<version>/<path:filename>")
def asset(name: str, version: str, filename: str) -> Response:
    package = PACKAGES.get(name)
    if package is None or version != package.version:
        abort(404)
    return send_from_directory(package.directory, filename, max_age=ONE_YEAR)


def vendor_url(name: str, filename: str) -> str:
    """The URL of ``filename`` in the installed package ``name`` (its version included)."""
    return url_for("vendor.asset", name=name, version=PACKAGES[name].version, filename=filename)


bp.add_app_template_global(vendor_url)
