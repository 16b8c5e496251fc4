"""Distances and areas on the globe, for "near me" filters and map views."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, or_

from app.models import Venue
from app.venues.coordinates import parse_coordinate
from app.venues.places import find_city

EARTH_RADIUS_KM = 6371.0088
# A little less than the true 111.19 km, so the latitude band is a little wider.
_KM_PER_DEGREE = 111.0
# Rounding in the database's arithmetic must not drop a venue on the edge.
_MARGIN_DEGREES = 1e-6
_LAT_LON = re.compile(r"^\s*([^,]+),([^,]+)$")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: int


@dataclass(frozen=True)
class BBox:
    """A map view: west may exceed east when the view crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def venue_distance_km(near: Near, venue: Venue) -> float | None:
    if venue.latitude is None or venue.longitude is None:
        return None
    return distance_km(near.latitude, near.longitude, venue.latitude, venue.longitude)


def parse_position(text: str) -> tuple[float, float] | None:
    """``"52.52,13.40"`` or a city name (resolved offline) as (latitude, longitude)."""
    match = _LAT_LON.match(text)
    if match is None:
        return find_city(text)
    try:
        return (
            parse_coordinate(match.group(1), kind="latitude"),
            parse_coordinate(match.group(2), kind="longitude"),
        )
    except ValueError:
        return None


def is_coordinates(text: str) -> bool:
    """Whether ``text`` is written as ``latitude,longitude`` (not a city name)."""
    return _LAT_LON.match(text) is not None


def parse_bbox(text: str) -> BBox:
    """``west,south,east,north`` in decimal degrees; ValueError if malformed or out of range."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(text)
    west, east = (parse_coordinate(parts[i], kind="longitude") for i in (0, 2))
    south, north = (parse_coordinate(parts[i], kind="latitude") for i in (1, 3))
    if south > north:
        raise ValueError(text)
    return BBox(west=west, south=south, east=east, north=north)


def within_box(query: Select[*Ts], box: BBox) -> Select[*Ts]:
    """Narrow a query that joins Venue to venues inside ``box``."""
    query = query.where(Venue.latitude.between(box.south, box.north))
    if box.west <= box.east:
        return query.where(Venue.longitude.between(box.west, box.east))
    return query.where(or_(Venue.longitude >= box.west, Venue.longitude <= box.east))


def around(query: Select[*Ts], near: Near) -> Select[*Ts]:
    """A bounding box in SQL around ``near``; callers then keep the exact great circle.

    A circle reaches furthest east and west poleward of its centre, by
    asin(sin d / cos φ) for an angular radius d (not d / cos φ, which cuts it short).
    """
    dlat = near.radius_km / _KM_PER_DEGREE
    south, north = max(-90.0, near.latitude - dlat), min(90.0, near.latitude + dlat)
    angle = near.radius_km / EARTH_RADIUS_KM
    cos_lat = math.cos(math.radians(near.latitude))
    if south <= -90 or north >= 90 or angle >= math.pi / 2 or math.sin(angle) >= cos_lat:
        return query.where(Venue.latitude.between(south, north))
    dlon = math.degrees(math.asin(math.sin(angle) / cos_lat)) + _MARGIN_DEGREES
    if dlon >= 180:
        return query.where(Venue.latitude.between(south, north))
    west, east = near.longitude - dlon, near.longitude + dlon
    # Wrap across the antimeridian (within_box handles west > east).
    west = west + 360 if west < -180 else west
    east = east - 360 if east > 180 else east
    return within_box(query, BBox(west=west, south=south, east=east, north=north))


def rough_distance(near: Near) -> ColumnElement[float | None]:
    """An SQL expression that orders venues roughly by distance from ``near``.

    Squared degrees with longitude scaled at ``near``'s latitude: good enough to
    decide which rows to load first when a radius holds very many.
    """
    scale = math.cos(math.radians(near.latitude))
    dlat = Venue.latitude - near.latitude
    dlon = (Venue.longitude - near.longitude) * scale
    return dlat * dlat + dlon * dlon
