"""Importing the bundled list of Iranian missions (``flask --app wsgi venues import``).

All or nothing, and it flushes, never commits (STYLE.md rule 2): the caller commits once.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Venue
from app.models.venue import (
    ADDRESS_MAX,
    CITY_MAX,
    NAME_MAX,
    SOURCE_URL_MAX,
    VenueKind,
    VenueStatus,
)
from app.text import TextError, clean_text
from app.venues.coordinates import CoordinateError, CoordinateKind, parse_coordinate
from app.venues.countries import is_country_code
from app.venues.signals import venue_changed
from app.venues.timezones import is_known_zone, zone_for_city, zone_for_point

logger = logging.getLogger(__name__)

# Upsert key of a mission: its name in the list (data/README.md, "Updating the list").
IMPORT_KEY_PREFIX = "mission:"
# The list's finer kinds and the venue kind each one is shown as.
MISSION_KINDS: dict[str, VenueKind] = {
    "embassy": VenueKind.EMBASSY,
    "consulate_general": VenueKind.CONSULATE,
    "consulate": VenueKind.CONSULATE,
    "interests_section": VenueKind.OTHER,
    "un_mission": VenueKind.OTHER,
}
COLUMNS = (
    "name",
    "kind",
    "city",
    "country_code",
    "address",
    "latitude",
    "longitude",
    "status",
    "source_url",
)
_STATUSES = tuple(status.value for status in VenueStatus)
_HTTP_URL = re.compile(r"https?://[^\s\"<>]+", re.IGNORECASE)


@dataclass
class ImportReport:
    """What ``import_missions`` did, or why it did nothing.

    ``errors`` holds one English line per problem ("line 14: latitude 95 is out
    of range (-90 to 90)"); when it is not empty, the counts are zero and
    nothing was written.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_coordinates: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Mission:
    """One valid row of the list, with the values a Venue will get."""

    line: int
    name: str
    kind: VenueKind
    mission_kind: str
    address: str
    city: str
    country_code: str
    latitude: float | None
    longitude: float | None
    status: VenueStatus
    source_url: str | None

    @property
    def import_key(self) -> str:
        return IMPORT_KEY_PREFIX + self.name


def import_missions(path: Path) -> ImportReport:
    """Create or update one venue per row of the mission list at ``path``.

    All or nothing: every row is checked first (columns, kind, status, country
    code, lengths, forbidden characters, coordinates, duplicate names, a time
    zone can be derived). If any row is wrong the report lists every problem
    with its line number and nothing is added or changed; otherwise rows are
    upserted on ``import_key`` and the session is flushed, for the caller to
    commit. Venues missing from the file are kept (events may point at them);
    a zone set by hand (``timezone_is_manual``) is never overwritten. Each venue
    that changed is announced (app.venues.signals.venue_changed) in this transaction.

    Raises OSError if the file cannot be read.
    """
    report = ImportReport()
    missions = _read_missions(path.read_bytes(), report.errors)
    if report.errors:
        return report

    existing = {
        venue.import_key: venue
        for venue in db.session.scalars(
            select(Venue).where(Venue.import_key.startswith(IMPORT_KEY_PREFIX, autoescape=True))
        )
    }
    # Zones are worked out before anything changes, so that a row whose zone
    # cannot be found still leaves every venue as it was.
    zones: list[str] = []
    for mission in missions:
        zone = _zone_for(mission, existing.get(mission.import_key))
        if zone is None:
            report.errors.append(
                f"line {mission.line}: no time zone found for {mission.city!r} in"
                f" {mission.country_code}; add coordinates"
            )
        zones.append(zone or "")
    if report.errors:
        return report

    for mission, zone in zip(missions, zones, strict=True):
        if mission.latitude is None:
            report.without_coordinates += 1
        venue = existing.get(mission.import_key)
        if venue is None:
            db.session.add(Venue(import_key=mission.import_key, **_values(mission, zone)))
            report.created += 1
        elif _apply(venue, _values(mission, zone)):
            # Events at the venue show it in their calendar entries (app.events).
            venue_changed.send(venue)
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    logger.info(
        "Mission import: %s created, %s updated, %s unchanged, %s without coordinates",
        report.created,
        report.updated,
        report.unchanged,
        report.without_coordinates,
    )
    return report


def _values(mission: _Mission, zone: str) -> dict[str, Any]:
    return {
        "name": mission.name,
        "kind": mission.kind,
        "mission_kind": mission.mission_kind,
        "address": mission.address,
        "city": mission.city,
        "country_code": mission.country_code,
        "latitude": mission.latitude,
        "longitude": mission.longitude,
        "timezone": zone,
        "status": mission.status,
        "source_url": mission.source_url,
    }


def _apply(venue: Venue, values: dict[str, Any]) -> bool:
    """Set the values that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(venue, name) != value:
            setattr(venue, name, value)
            changed = True
    return changed


def _zone_for(mission: _Mission, venue: Venue | None) -> str | None:
    if venue is not None:
        if venue.timezone_is_manual:
            return venue.timezone
        # The import runs on every `make run`: re-use the zone already derived
        # for an unchanged place instead of loading the zone polygons again.
        same_place = (
            venue.latitude == mission.latitude
            and venue.longitude == mission.longitude
            and venue.city == mission.city
            and venue.country_code == mission.country_code
        )
        if same_place and is_known_zone(venue.timezone):
            return venue.timezone
    zone = None
    if mission.latitude is not None and mission.longitude is not None:
        zone = zone_for_point(mission.latitude, mission.longitude)
    return zone or zone_for_city(mission.city, mission.country_code)


def _read_missions(data: bytes, errors: list[str]) -> list[_Mission]:
    """Parse and check every row; append one message per problem to ``errors``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(f"line {line}: not UTF-8 text")
        return []

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        header = next(reader, None)
        if header is None:
            errors.append("line 1: the file is empty")
            return []
        header = [column.strip() for column in header]
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            errors.append(f"line 1: missing column(s): {', '.join(missing)}")
            return []
        index = {column: header.index(column) for column in COLUMNS}

        previous_end = reader.line_num
        missions: list[_Mission] = []
        first_line: dict[str, int] = {}
        for row in reader:
            # A record may span lines (quoted line breaks): report where it starts.
            line, previous_end = previous_end + 1, reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                errors.append(f"line {line}: expected {len(header)} fields, found {len(row)}")
                continue
            mission = _check_row(line, {column: row[index[column]] for column in COLUMNS}, errors)
            if mission is None:
                continue
            if mission.name in first_line:
                errors.append(
                    f"line {line}: the name {mission.name!r} is already on line"
                    f" {first_line[mission.name]}"
                )
                continue
            first_line[mission.name] = line
            missions.append(mission)
    except csv.Error as exc:
        # Reported where the broken record starts (an open quote swallows the rest).
        errors.append(f"line {previous_end + 1}: {exc}")
        return []
    if not missions and not errors:
        errors.append("the file has no rows")
    return missions


def _check_row(line: int, cells: dict[str, str], errors: list[str]) -> _Mission | None:
    """The row as a _Mission, or None after appending its problems to ``errors``."""
    problems: list[str] = []

    def text(column: str, limit: int, *, required: bool) -> str:
        try:
            value = clean_text(cells[column])
        except TextError:
            problems.append(f"{column} contains a control or bidi character")
            return ""
        if required and not value:
            problems.append(f"{column} is empty")
        elif len(value) > limit:
            problems.append(f"{column} is longer than {limit} characters")
        return value

    name = text("name", NAME_MAX, required=True)
    city = text("city", CITY_MAX, required=True)
    address = text("address", ADDRESS_MAX, required=False)

    mission_kind = cells["kind"].strip()
    if mission_kind not in MISSION_KINDS:
        problems.append(
            f"unknown kind {mission_kind!r} (expected one of: {', '.join(MISSION_KINDS)})"
        )
    status = cells["status"].strip()
    if status not in _STATUSES:
        problems.append(f"unknown status {status!r} (expected one of: {', '.join(_STATUSES)})")
    country_code = cells["country_code"].strip()
    if not is_country_code(country_code):
        problems.append(f"country_code {country_code!r} is not an ISO 3166 code (like DE)")

    latitude = longitude = None
    raw_latitude, raw_longitude = cells["latitude"].strip(), cells["longitude"].strip()
    if bool(raw_latitude) != bool(raw_longitude):
        problems.append("latitude and longitude must both be given or both be empty")
    elif raw_latitude:
        latitude = _coordinate(raw_latitude, "latitude", problems)
        longitude = _coordinate(raw_longitude, "longitude", problems)

    source_url: str | None = cells["source_url"].strip()
    if not source_url:
        source_url = None
    elif len(source_url) > SOURCE_URL_MAX:
        problems.append(f"source_url is longer than {SOURCE_URL_MAX} characters")
    elif not _HTTP_URL.fullmatch(source_url):
        problems.append("source_url is not an http(s) address")

    if problems:
        errors.extend(f"line {line}: {problem}" for problem in problems)
        return None
    return _Mission(
        line=line,
        name=name,
        kind=MISSION_KINDS[mission_kind],
        mission_kind=mission_kind,
        address=address,
        city=city,
        country_code=country_code,
        latitude=latitude,
        longitude=longitude,
        status=VenueStatus(status),
        source_url=source_url,
    )


def _coordinate(raw: str, kind: CoordinateKind, problems: list[str]) -> float | None:
    try:
        return parse_coordinate(raw, kind=kind)
    except CoordinateError as exc:
        if exc.reason == "range":
            limit = 90 if kind == "latitude" else 180
            problems.append(f"{kind} {raw} is out of range (-{limit} to {limit})")
        else:
            problems.append(f"{kind} {raw!r} is not a plain decimal number")
        return None
