"""The operator's street map: one PMTiles archive of vector tiles (VIGIL_MAP_PMTILES).

Browsers read the archive from our own origin with HTTP range requests
(app.maps.views.streets) and protomaps-leaflet draws it: no tile server to run and
no visitor's address sent to anyone else (design/security.md decision 3).

Only the archive's fixed 127-byte header is read here (PMTiles specification v3,
"Header"): enough to refuse a file browsers could not use at start-up, and to tell
the map which zoom levels and area the archive holds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

HEADER_LENGTH = 127
MAGIC = b"PMTiles"
VERSION = 3
# Tile types of the header: only Mapbox Vector Tiles are drawn by protomaps-leaflet.
TILE_TYPE_MVT = 1
# Layout after the magic and version byte: root directory, metadata, leaf directories,
# tile data (offset and length each), three counts (all uint64), four uint8 (clustered,
# internal compression, tile compression, tile type), min and max zoom (uint8), the
# bounds as int32 longitude/latitude × 10^7, centre zoom (uint8) and centre (int32 × 2).
_HEADER = struct.Struct("<7sB 8Q 3Q 4B 2B 4i B 2i")  # 127 bytes (tests/maps/test_streets.py)
_VERSIONED_LENGTH = 16_384


class ArchiveError(ValueError):
    """The file is not a PMTiles v3 archive of vector tiles; the message says why."""


@dataclass(frozen=True)
class StreetArchive:
    """What the map needs to know of the archive, and the version of the file."""

    path: str
    min_zoom: int
    max_zoom: int
    # West, south, east, north in degrees.
    bounds: tuple[float, float, float, float]
    # Changes when the file is replaced: its ETag and part of its URL, so browsers may
    # keep its ranges a year (app.maps.views.streets).
    version: str


def read_archive(path: str) -> StreetArchive:
    """The header of the archive at ``path``.

    Raises ArchiveError if the file cannot be read or is not a PMTiles v3 archive of
    vector tiles.
    """
    try:
        stat = os.stat(path)
        return _read(path, stat.st_size, stat.st_mtime_ns)
    except OSError as exc:
        raise ArchiveError(f"{path} cannot be read: {exc.strerror}") from None


# Keyed on size and modification time: a replaced file is read again.
@lru_cache(maxsize=4)
def _read(path: str, size: int, mtime_ns: int) -> StreetArchive:
    with Path(path).open("rb") as file:
        start = file.read(_VERSIONED_LENGTH)
    head = start[:HEADER_LENGTH]
    if len(head) < HEADER_LENGTH or not head.startswith(MAGIC):
        raise ArchiveError(f"{path} is not a PMTiles archive")
    fields = _HEADER.unpack(head)
    if fields[1] != VERSION:
        raise ArchiveError(f"{path} is PMTiles version {fields[1]}; version {VERSION} is needed")
    tile_type, min_zoom, max_zoom = fields[16], fields[17], fields[18]
    if tile_type != TILE_TYPE_MVT:
        raise ArchiveError(f"{path} holds no vector tiles (tile type {tile_type})")
    if not 0 <= min_zoom <= max_zoom <= 30:
        raise ArchiveError(f"{path} has an impossible zoom range {min_zoom}–{max_zoom}")
    west, south, east, north = (value / 10_000_000 for value in fields[19:23])
    # The header and root directory (the first 16 KiB, what browsers read first) locate
    # every tile: with the size, they tell archives apart without reading gigabytes, and
    # every app server holding a copy of the file gives it the same version.
    version = hashlib.sha256(b"%d:" % size + start).hexdigest()[:20]
    return StreetArchive(path, min_zoom, max_zoom, (west, south, east, north), version)


def current_archive(path: str | None) -> StreetArchive | None:
    """The archive at ``path`` as it is now; None if unset, or gone or broken since start-up.

    Start-up refuses a bad file (app.config); one replaced by a broken file later only
    turns the street map off, with a warning, so the site's maps keep their offline layer.
    """
    if not path:
        return None
    try:
        return read_archive(path)
    except ArchiveError as exc:
        log.warning("street map turned off: %s", exc)
        return None
