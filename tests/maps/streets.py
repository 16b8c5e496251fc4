"""A small street archive made at test time: PMTiles v3 of Mapbox Vector Tiles.

The tiles hold what protomaps-leaflet's default theme draws from a Protomaps
basemap build: a ``roads`` layer whose ``kind`` is ``highway``, ``major_road`` or
``minor_road`` (its paint rules in src/default_style/style.ts filter on those).
Each tile around the place is crossed by a grid of such roads; nothing else, so
every coloured pixel a browser draws for the archive is a street.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import mapbox_vector_tile
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import write

EXTENT = 4096
# Roads every eighth of a tile, across and down, of these kinds in turn.
KINDS = ("highway", "major_road", "minor_road")
STEPS = 8


def tile_of(latitude: float, longitude: float, zoom: int) -> tuple[int, int]:
    """The x, y of the Web Mercator tile holding the point at ``zoom``."""
    n = 2**zoom
    x = int((longitude + 180) / 360 * n)
    lat = math.radians(latitude)
    y = int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)
    return x, y


def road_tile(name: str) -> bytes:
    """One vector tile crossed by roads called ``name``, gzip-compressed as basemap
    builds are."""
    features = []
    for step in range(1, STEPS):
        at = EXTENT * step // STEPS
        kind = KINDS[step % len(KINDS)]
        for line in (f"LINESTRING (0 {at}, {EXTENT} {at})", f"LINESTRING ({at} 0, {at} {EXTENT})"):
            features.append({"geometry": line, "properties": {"kind": kind, "name": name}})
    tile = mapbox_vector_tile.encode(
        [{"name": "roads", "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True},
    )
    return gzip.compress(tile, mtime=0)


def make_street_archive(
    path: Path,
    latitude: float,
    longitude: float,
    *,
    zooms: range = range(6, 15),
    around: int = 2,
) -> Path:
    """Write an archive of road tiles at ``zooms`` around the point; returns ``path``.

    ``around`` tiles on each side of the point's tile are filled too, so a map
    centred there has streets in every direction. Each tile's roads have its own name,
    so no two tiles are the same bytes: the archive is larger than the 16 KiB a browser
    reads first, and tiles come in range requests of their own.
    """
    tiles: list[tuple[int, bytes]] = []
    for zoom in zooms:
        x0, y0 = tile_of(latitude, longitude, zoom)
        last = 2**zoom - 1
        for x in range(max(0, x0 - around), min(last, x0 + around) + 1):
            for y in range(max(0, y0 - around), min(last, y0 + around) + 1):
                data = road_tile(f"Vigil Street {zoom}/{x}/{y}")
                tiles.append((zxy_to_tileid(zoom, x, y), data))
    span = 0.05
    with write(str(path)) as writer:
        for tile_id, tile in sorted(tiles):
            writer.write_tile(tile_id, tile)
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_lon_e7": round((longitude - span) * 10_000_000),
                "min_lat_e7": round((latitude - span) * 10_000_000),
                "max_lon_e7": round((longitude + span) * 10_000_000),
                "max_lat_e7": round((latitude + span) * 10_000_000),
                "center_zoom": zooms.stop - 1,
                "center_lon_e7": round(longitude * 10_000_000),
                "center_lat_e7": round(latitude * 10_000_000),
            },
            {"name": "Vigil test streets", "vector_layers": [{"id": "roads", "fields": {}}]},
        )
    return path
