"""Rule-based VTIMEZONE components (design/ical.md decision 4).

icalendar's own ``Timezone.from_tzid()`` writes lists of RDATEs, which ical.js
(Thunderbird) reads an hour off in summer and Outlook ignores. Clients read
reliably one STANDARD and one DAYLIGHT observance with a yearly RRULE anchored
in 1970, so that is what we derive from the zone's transitions in a given
year, after checking the rule holds for the following years.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Years ahead for which the derived yearly rule must match the tz database.
_CHECK_YEARS = 10


class IrregularZoneError(ValueError):
    """The zone's changes do not follow a yearly weekday rule."""


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of each change in ``year``."""
    changes = []
    step = timedelta(hours=6)
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    previous = _offset(instant, zone)
    while instant < end:
        following = instant + step
        offset = _offset(following, zone)
        if offset != previous:
            low, high = instant, following
            while high - low > timedelta(minutes=1):  # bisect to the minute
                middle = low + (high - low) / 2
                if _offset(middle, zone) == previous:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(second=0, microsecond=0), previous, offset))
            previous = offset
        instant = following
    return changes


def _rule_for(day: date) -> tuple[int, str]:
    """BYMONTH and BYDAY ("-1SU", "2SU"…) that describe ``day``."""
    last = monthrange(day.year, day.month)[1]
    weekday = _DAYS[day.weekday()]
    if day.day + 7 > last:
        return day.month, f"-1{weekday}"
    return day.month, f"{(day.day - 1) // 7 + 1}{weekday}"


def _date_for(year: int, month: int, byday: str) -> date:
    nth, weekday = int(byday[:-2]), _DAYS.index(byday[-2:])
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year, month, monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


@cache
def vtimezone(tzid: str, year: int) -> Timezone:
    """The VTIMEZONE of ``tzid`` as its rules stand in ``year``.

    Raises IrregularZoneError for a zone whose changes follow no yearly rule
    (none of the zones of the bundled missions); callers then fall back to UTC.
    """
    zone = ZoneInfo(tzid)
    component = Timezone()
    component.add("TZID", tzid)
    changes = _transitions(zone, year)
    if not changes:
        midyear = datetime(year, 7, 1, tzinfo=UTC).astimezone(zone)
        standard = TimezoneStandard()
        standard.add("DTSTART", datetime(1970, 1, 1))  # noqa: DTZ001 - VTIMEZONE wall time
        standard.add("TZOFFSETFROM", midyear.utcoffset())
        standard.add("TZOFFSETTO", midyear.utcoffset())
        standard.add("TZNAME", midyear.tzname())
        component.add_component(standard)
        return component
    if len(changes) != 2:
        raise IrregularZoneError(tzid)
    for instant, before, after in changes:
        wall_before = (instant + before).replace(tzinfo=None)
        month, byday = _rule_for(wall_before.date())
        for later in range(year, year + _CHECK_YEARS):
            found = [i for i, b, a in _transitions(zone, later) if (b, a) == (before, after)]
            if not found or (found[0] + before).date() != _date_for(later, month, byday):
                raise IrregularZoneError(tzid)
        observance = TimezoneDaylight() if after > before else TimezoneStandard()
        observance.add(
            "DTSTART", datetime.combine(_date_for(1970, month, byday), wall_before.time())
        )
        observance.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": byday})
        observance.add("TZOFFSETFROM", before)
        observance.add("TZOFFSETTO", after)
        observance.add("TZNAME", (instant + timedelta(minutes=1)).astimezone(zone).tzname())
        component.add_component(observance)
    return component
