"""Local wall time to UTC, and the dates of a repeating series.

Rules live in the venue's local wall time (STYLE.md rule 4): "every Thursday
18:00" stays 18:00 in Berlin across the DST change, so its UTC instant moves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.models import Repeat

# A series covers at most a year; beyond that organizers publish a new one.
MAX_SERIES_DAYS = 366
_STEP = {Repeat.DAILY: timedelta(days=1), Repeat.WEEKLY: timedelta(weeks=1)}


class LocalTimeError(ValueError):
    """A wall time that does not exist or happens twice in the zone (a DST change)."""

    def __init__(self, kind: Literal["nonexistent", "ambiguous"], wall: datetime) -> None:
        super().__init__(kind)
        self.kind = kind
        self.wall = wall


def to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Convert a naive wall time in ``zone`` to UTC, refusing DST gaps and overlaps.

    design/security.md T40: a time that does not exist (Berlin 2025-03-30 02:30)
    or happens twice (2025-10-26 02:30) is an error, never a silent shift.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both folds differ: either a gap (the round trip changes the wall time) or an overlap.
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        raise LocalTimeError("nonexistent" if round_trip != wall else "ambiguous", wall)
    return first.astimezone(UTC)


def series_walls(
    first: datetime, repeat: Repeat, until_on: date | None, skips: frozenset[date]
) -> list[datetime]:
    """Naive local start times of every occurrence, skipped dates left out."""
    if repeat == Repeat.NONE or until_on is None:
        return [] if first.date() in skips else [first]
    step = _STEP[repeat]
    walls: list[datetime] = []
    current = first
    while current.date() <= until_on:
        if current.date() not in skips:
            walls.append(current)
        current += step
    return walls


def series_dates(first: datetime, repeat: Repeat, until_on: date | None) -> list[date]:
    """Every local date of the series, skipped or not."""
    return [wall.date() for wall in series_walls(first, repeat, until_on, frozenset())]


def occurrence_instants(
    first_start: datetime,
    first_end: datetime,
    zone: ZoneInfo,
    repeat: Repeat,
    until_on: date | None,
    skips: frozenset[date],
) -> list[tuple[datetime, datetime]]:
    """UTC (start, end) of every occurrence.

    ``first_start``/``first_end`` are aware UTC instants of the first occurrence.
    Later occurrences keep the same local wall times; a wall time that falls in a
    DST gap or overlap is resolved as RFC 5545 does (the earlier offset).
    """
    start_wall = first_start.astimezone(zone).replace(tzinfo=None)
    duration = first_end.astimezone(zone).replace(tzinfo=None) - start_wall
    return [
        _instants(wall, duration, zone)
        for wall in series_walls(start_wall, repeat, until_on, skips)
    ]


def instants_on(
    first_start: datetime, first_end: datetime, zone: ZoneInfo, day: date
) -> tuple[datetime, datetime]:
    """UTC (start, end) the series starting ``first_start`` would have on the local ``day``:
    the time of a skipped date, as a cancelled date's banner and notice show it."""
    start_wall = first_start.astimezone(zone).replace(tzinfo=None)
    duration = first_end.astimezone(zone).replace(tzinfo=None) - start_wall
    return _instants(datetime.combine(day, start_wall.time()), duration, zone)


def _instants(wall: datetime, duration: timedelta, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = wall.replace(tzinfo=zone).astimezone(UTC)
    end = (wall + duration).replace(tzinfo=zone).astimezone(UTC)
    if end <= start:  # only possible across a DST change on a very short event
        end = start + timedelta(minutes=1)
    return start, end
