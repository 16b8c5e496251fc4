"""What the feeds say: times across DST, series, cancellations, text, and golden bytes.

Golden files: tests/feeds/golden/*.ics hold the exact bytes the app serves for
a fixed sample (``_sample``). A change in the output fails ``test_golden_bytes``;
if the change is intended, rewrite the files and review the diff::

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/feeds/test_feed_content.py -k golden

Every golden file, and a feed freshly built by the app, also goes through
tools/ical-check (linter + five parsers, design/ical.md decision 12); that
check skips loudly without Node.js 20+ (and fails under CI=true).

Our model has no per-date changes (a date is either held or skipped), so the
feeds never contain RECURRENCE-ID overrides: skipped dates are EXDATEs.
"""

from __future__ import annotations

import difflib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import app.feeds.queries
from app import clock
from app.events.services import cancel_event, update_event
from app.extensions import cache, db
from app.feeds.documents import event_text
from app.feeds.ical import FeedInfo, build_calendar
from app.models import Event, Repeat
from app.models.event import TITLE_MAX
from tests.conftest import DEFAULT_NOW
from tests.factories import (
    STARTS_LOCAL,
    berlin_embassy,
    event_input,
    fix_identity,
    make_event,
    make_venue,
    suva,
    sydney_consulate,
    toronto,
)
from tests.feeds.ical_check import assert_ical_check_passes
from tests.feeds.parsing import get_feed, occurrences, parse, physical_lines, starts, vevents

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
# Covers every date of the sample (2026-12 to 2027-04) for the cross-parser check.
WINDOW = (date(2026, 11, 1), date(2027, 6, 1))
PERSIAN = {"Accept-Language": "fa"}

PERSIAN_TITLE = "شب همبستگی با زندانیان سیاسی — زن، زندگی، آزادی 🕯️✊🏽 شمع‌افروزی در سیدنی"
PERSIAN_DESCRIPTION = (
    "با شمع و گل بیایید؛ عکس زندانیان را همراه داشته باشید.\n"
    "Bring candles, flowers; photos. 👩‍👩‍👧 ۱۴۰۵"
)


def _z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass(frozen=True)
class Sample:
    single: Event
    weekly: Event
    cancelled: Event
    persian: Event
    toronto: Event


def _sample() -> Sample:
    """Five events with fixed UIDs and slugs, in three zones, across their DST changes."""
    de, ca, au = berlin_embassy(), toronto(), sydney_consulate()
    single = make_event(
        de,
        title="Vigil for the prisoners",
        starts_local=datetime(2026, 12, 5, 15, 0),  # noqa: DTZ001 - venue wall time
        description="Bring candles, flowers; photos.\nA backslash \\ too.",
    )
    # Thursdays 18:00 in Berlin; DST starts on Sunday 2027-03-28; 03-25 is skipped.
    weekly = make_event(
        de,
        title="Thursday vigil",
        starts_local=datetime(2027, 3, 11, 18, 0),  # noqa: DTZ001
        duration=timedelta(minutes=90),
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 4, 15),
        skip_dates=frozenset({date(2027, 3, 25)}),
    )
    cancelled = make_event(
        de,
        title="Rally at the embassy",
        kind="rally",
        starts_local=datetime(2026, 12, 12, 14, 0),  # noqa: DTZ001
    )
    # Sundays 11:00 in Sydney; DST ends on Sunday 2027-04-04 at 03:00.
    persian = make_event(
        au,
        title=PERSIAN_TITLE,
        description=PERSIAN_DESCRIPTION,
        starts_local=datetime(2027, 3, 21, 11, 0),  # noqa: DTZ001
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 4, 11),
    )
    # Saturdays 12:00 in Toronto; DST starts on Sunday 2027-03-14.
    in_toronto = make_event(
        ca,
        title="Rally at City Hall; bring signs, flags",
        kind="rally",
        starts_local=datetime(2027, 3, 6, 12, 0),  # noqa: DTZ001
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 3, 20),
    )
    for n, (event, slug) in enumerate(
        [
            (single, "vigil-for-the-prisoners"),
            (weekly, "thursday-vigil"),
            (cancelled, "rally-at-the-embassy"),
            (persian, "vigil-sydney"),
            (in_toronto, "rally-at-city-hall"),
        ],
        start=1,
    ):
        fix_identity(event, uid=f"5c0f3c1e-2b1a-4d7e-9f00-00000000000{n}", slug=slug)
    clock.freeze(DEFAULT_NOW + timedelta(hours=1, minutes=30))
    cancel_event(cancelled, reason="Permit refused; new date soon", editor=cancelled.organizer)
    db.session.commit()
    return Sample(single, weekly, cancelled, persian, in_toronto)


# --- times ------------------------------------------------------------------------------------


def test_weekly_berlin_vigil_keeps_its_local_time_across_dst(client: FlaskClient) -> None:
    sample = _sample()
    body = get_feed(client, "/calendar.ics")

    assert starts(body, sample.weekly.uid, date(2027, 3, 1), date(2027, 5, 1)) == [
        _z(2027, 3, 11, 17),
        _z(2027, 3, 18, 17),
        # 03-25 skipped; 18:00 CEST from 03-28 on.
        _z(2027, 4, 1, 16),
        _z(2027, 4, 8, 16),
        _z(2027, 4, 15, 16),
    ]
    seen = [s for s in occurrences(body, WINDOW[0], WINDOW[1]) if s.uid == sample.weekly.uid]
    assert all(s.end - s.start == timedelta(minutes=90) for s in seen)
    lines = _unfolded(body)
    assert "DTSTART;TZID=Europe/Berlin:20270311T180000" in lines
    assert "DTEND;TZID=Europe/Berlin:20270311T193000" in lines
    # UNTIL in UTC: the last start, 2027-04-15 18:00 CEST; EXDATE in DTSTART's form.
    assert "RRULE:FREQ=WEEKLY;UNTIL=20270415T160000Z" in lines
    assert "EXDATE;TZID=Europe/Berlin:20270325T180000" in lines


def test_toronto_and_sydney_across_their_dst_changes(client: FlaskClient) -> None:
    sample = _sample()
    body = get_feed(client, "/calendar.ics")

    assert starts(body, sample.toronto.uid, *WINDOW) == [
        _z(2027, 3, 6, 17),  # 12:00 EST
        _z(2027, 3, 13, 17),
        _z(2027, 3, 20, 16),  # 12:00 EDT
    ]
    assert starts(body, sample.persian.uid, *WINDOW) == [
        _z(2027, 3, 21, 0),  # 11:00 AEDT
        _z(2027, 3, 28, 0),
        _z(2027, 4, 4, 1),  # 11:00 AEST: the change was at 03:00 that morning
        _z(2027, 4, 11, 1),
    ]
    assert starts(body, sample.single.uid, *WINDOW) == [_z(2026, 12, 5, 14)]


def test_timed_events_carry_the_venue_zone_and_a_rule_based_vtimezone(
    client: FlaskClient,
) -> None:
    sample = _sample()
    tehran = make_venue(
        import_key=None,
        name="Tehran square",
        city="Tehran",
        country_code="IR",
        latitude=35.7,
        longitude=51.4,
        timezone="Asia/Tehran",
    )
    make_event(tehran, title="No DST here")
    body = get_feed(client, "/calendar.ics")
    calendar = parse(body)

    used = set()
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            assert event[name].params["TZID"] == str(event[name].dt.tzinfo)
        used.add(event["DTSTART"].params["TZID"])
    assert used == {"Europe/Berlin", "America/Toronto", "Australia/Sydney", "Asia/Tehran"}
    zones = {str(zone["TZID"]): zone for zone in calendar.walk("VTIMEZONE")}
    assert set(zones) == used
    for tzid, zone in zones.items():
        observances = zone.subcomponents
        kinds = sorted(observance.name for observance in observances)
        assert kinds == (["STANDARD"] if tzid == "Asia/Tehran" else ["DAYLIGHT", "STANDARD"])
        for observance in observances:
            assert "RDATE" not in observance
            assert observance.decoded("DTSTART").year == 1970
            if tzid != "Asia/Tehran":
                assert observance["RRULE"]["FREQ"] == ["YEARLY"]
    # Zones before events; sorted, so the bytes are stable.
    assert body.index(b"BEGIN:VTIMEZONE") < body.index(b"BEGIN:VEVENT")
    assert list(zones) == sorted(zones)
    assert b"X-WR-TIMEZONE" not in body
    assert sample.single.uid in vevents(body)


# --- identity, edits and cancellation --------------------------------------------------------


def test_uid_is_random_stable_and_the_same_in_every_feed(client: FlaskClient) -> None:
    first = make_event(berlin_embassy(), title="First")
    second = make_event(toronto(), title="Second")
    for event in (first, second):
        assert uuid.UUID(event.uid).version == 4
    assert first.uid != second.uid
    slug = first.slug

    in_all = vevents(get_feed(client, "/calendar.ics"))
    in_country = vevents(get_feed(client, "/calendar.ics?country=DE"))
    alone = vevents(get_feed(client, f"/events/{slug}.ics"))
    assert set(in_all) == {first.uid, second.uid}
    assert set(in_country) == set(alone) == {first.uid}
    for other in (in_country, alone):
        assert other[first.uid].to_ical() == in_all[first.uid].to_ical()

    update_event(
        first,
        data=event_input(
            first,
            title="First, renamed",
            starts_local=datetime(2026, 12, 6, 15),  # noqa: DTZ001
            ends_local=datetime(2026, 12, 6, 17),  # noqa: DTZ001
        ),
        editor=first.organizer,
    )
    db.session.commit()
    assert set(vevents(get_feed(client, "/calendar.ics"))) == {first.uid, second.uid}
    assert first.slug == slug


def _stamps(client: FlaskClient, event: Event) -> tuple[int, datetime, datetime]:
    component = vevents(get_feed(client, f"/events/{event.slug}.ics"))[event.uid]
    modified = component.decoded("LAST-MODIFIED")
    # No METHOD: DTSTAMP is the last revision (decision 2).
    assert component.decoded("DTSTAMP") == modified
    return int(component["SEQUENCE"]), modified, component.decoded("CREATED")


def test_edits_bump_last_modified_always_and_sequence_for_time_place_status(
    client: FlaskClient,
) -> None:
    event = make_event(berlin_embassy(), title="Vigil", description="Bring candles.")
    other_place = make_venue(import_key=None, name="Brandenburg Gate", latitude=52.5163)
    editor = event.organizer
    created = DEFAULT_NOW
    assert _stamps(client, event) == (0, created, created)

    def edit(minutes: int, **changes: object) -> tuple[int, datetime, datetime]:
        clock.freeze(DEFAULT_NOW + timedelta(minutes=minutes))
        update_event(event, data=event_input(event, **changes), editor=editor)
        db.session.commit()
        return _stamps(client, event)

    def at(minutes: int) -> datetime:
        return DEFAULT_NOW + timedelta(minutes=minutes)

    # Text only: LAST-MODIFIED moves, SEQUENCE stays.
    assert edit(1, description="Bring candles and flowers.") == (0, at(1), created)
    assert edit(2, title="Vigil at the embassy") == (0, at(2), created)
    # Nothing changed: nothing moves.
    assert edit(3) == (0, at(2), created)
    # Time, end, place, rule, skipped dates: SEQUENCE too.
    assert edit(4, starts_local=datetime(2026, 12, 5, 16)) == (1, at(4), created)  # noqa: DTZ001
    assert edit(5, ends_local=datetime(2026, 12, 5, 19)) == (2, at(5), created)  # noqa: DTZ001
    assert edit(6, venue=other_place) == (3, at(6), created)
    weekly = {"repeat": Repeat.WEEKLY, "repeat_until_on": date(2027, 1, 30)}
    assert edit(7, **weekly) == (4, at(7), created)
    assert edit(8, skip_dates=frozenset({date(2026, 12, 19)})) == (5, at(8), created)
    # Cancelling: STATUS, SEQUENCE and LAST-MODIFIED.
    clock.freeze(at(9))
    cancel_event(event, reason="Storm warning", editor=editor)
    db.session.commit()
    assert _stamps(client, event) == (6, at(9), created)


def test_cancelled_event_stays_with_status_prefix_and_reason(client: FlaskClient) -> None:
    sample = _sample()
    for headers, prefix, reason in (
        ({}, "CANCELLED: ", "Cancelled: Permit refused"),
        (PERSIAN, "لغو شد: ", "لغو شد: Permit refused"),
    ):
        for url in ("/calendar.ics", f"/events/{sample.cancelled.slug}.ics"):
            found = vevents(get_feed(client, url, headers=headers))
            cancelled = found[sample.cancelled.uid]
            assert str(cancelled["STATUS"]) == "CANCELLED"
            assert str(cancelled["SUMMARY"]) == prefix + "Rally at the embassy"
            assert str(cancelled["DESCRIPTION"]).startswith(reason)
            assert int(cancelled["SEQUENCE"]) == 1
            if url == "/calendar.ics":
                assert str(found[sample.single.uid]["STATUS"]) == "CONFIRMED"
                assert str(found[sample.single.uid]["SUMMARY"]) == "Vigil for the prisoners"
    body = get_feed(client, "/calendar.ics")
    assert [s.status for s in occurrences(body, *WINDOW) if s.uid == sample.cancelled.uid] == [
        "CANCELLED"
    ]


def test_drafts_never_appear_and_old_events_drop_out_after_seven_days(
    client: FlaskClient,
) -> None:
    place = berlin_embassy()

    def at(day: int, title: str, **overrides: object) -> Event:
        # 15:00-17:00 Berlin = 14:00-16:00 UTC on 2026-11-<day>.
        start = datetime(2026, 11, day, 15, 0)  # noqa: DTZ001
        return make_event(place, title=title, starts_local=start, **overrides)

    at(26, "Draft", publish=False)
    gone = at(17, "Ended eight days ago")
    kept = at(19, "Ended six days ago")
    cancelled = at(20, "Cancelled, five days ago")
    cancel_event(cancelled, reason="", editor=cancelled.organizer)
    db.session.commit()

    def uids() -> set[str]:
        return set(vevents(get_feed(client, "/calendar.ics")))

    assert uids() == {kept.uid, cancelled.uid}
    assert b"Draft" not in get_feed(client, "/calendar.ics?kind=vigil")
    # Seven days after its end the cancelled event leaves too (ended 2026-11-20 16:00Z).
    clock.freeze(_z(2026, 11, 27, 15, 59))
    assert uids() == {cancelled.uid}
    clock.freeze(_z(2026, 11, 28, 12, 0))
    assert uids() == set()
    # Its page still works, and its single download too: only the feed forgets it.
    assert client.get(f"/events/{cancelled.slug}.ics").status_code == 200
    assert gone.uid not in uids()


def test_filtered_feeds_hold_a_series_whole(client: FlaskClient) -> None:
    # Started three weeks ago: the early dates are long over, the series is not.
    series = make_event(
        berlin_embassy(),
        title="Weekly vigil",
        starts_local=datetime(2026, 11, 5, 18, 0),  # noqa: DTZ001
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 1, 28),
        skip_dates=frozenset({date(2026, 11, 12), date(2026, 12, 24)}),
    )
    make_event(toronto(), title="Elsewhere")
    everything = get_feed(client, "/calendar.ics")
    for query in ("country=DE", "city=berlin", "kind=vigil", "near=Berlin&radius_km=30"):
        filtered = get_feed(client, f"/calendar.ics?{query}")
        component = vevents(filtered)[series.uid]
        assert component.to_ical() == vevents(everything)[series.uid].to_ical()
        assert component.decoded("DTSTART") == datetime(2026, 11, 5, 18, tzinfo=series.zone), query
        dates = starts(filtered, series.uid, date(2026, 11, 1), date(2027, 2, 1))
        assert len(dates) == 13 - 2
        assert _z(2026, 11, 12, 17) not in dates
        assert _z(2026, 12, 24, 17) not in dates
        assert dates[0] == _z(2026, 11, 5, 17)


def test_near_filter(client: FlaskClient) -> None:
    in_toronto = make_event(toronto(), title="Toronto rally")
    in_berlin = make_event(berlin_embassy(), title="Berlin vigil")
    in_sydney = make_event(sydney_consulate(), title="Sydney vigil")
    in_fiji = make_event(suva(), title="Suva vigil")
    nowhere = make_event(
        make_venue(import_key=None, name="Pin not placed", latitude=None, longitude=None),
        title="No coordinates",
    )

    def uids(query: str) -> set[str]:
        return set(vevents(get_feed(client, f"/calendar.ics?{query}")))

    assert uids("near=Toronto&radius_km=50") == {in_toronto.uid}
    assert uids("near=toronto") == {in_toronto.uid}  # default radius
    assert uids("near=43.65,-79.38") == {in_toronto.uid}
    assert uids("near=%D8%AA%D9%88%D8%B1%D9%86%D8%AA%D9%88") == {in_toronto.uid}  # تورنتو
    assert uids("near=Berlin&radius_km=50") == {in_berlin.uid}
    assert uids("near=Hamburg&radius_km=200") == set()
    assert uids("near=Hamburg&radius_km=300") == {in_berlin.uid}
    assert uids("near=-33.87,151.2&radius_km=100") == {in_sydney.uid}
    # Across the antimeridian: Suva is 180 km from a point at longitude -179.9.
    # (a radius is widened to the next step: 150 and 200 km to 250, 30 to 50)
    assert uids("near=-18.0,-179.9&radius_km=200") == {in_fiji.uid}
    assert uids("near=-18.0,-179.9&radius_km=100") == set()
    assert uids("country=DE") == {in_berlin.uid, nowhere.uid}
    geo = vevents(get_feed(client, "/calendar.ics"))
    assert "GEO" not in geo[nowhere.uid]
    assert geo[in_toronto.uid].decoded("GEO") == pytest.approx((43.6525, -79.3832))


# --- calendar properties and privacy ---------------------------------------------------------


def test_calendar_properties_of_feeds_and_downloads(client: FlaskClient) -> None:
    sample = _sample()
    body = get_feed(client, "/calendar.ics?country=DE")
    calendar = parse(body)
    lines = _unfolded(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Vigil//Vigil calendar feeds 1.0//EN"
    assert "Vigil" in str(calendar["NAME"])
    assert str(calendar["DESCRIPTION"]) != ""
    # The same escaped text under both names (icalendar does not unescape X- properties).
    assert _value(lines, "NAME") == _value(lines, "X-WR-CALNAME")
    assert _value(lines, "DESCRIPTION") == _value(lines, "X-WR-CALDESC")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in lines
    assert "X-PUBLISHED-TTL:PT6H" in lines
    assert str(calendar["SOURCE"]) == "http://localhost/calendar.ics?country=DE"
    assert str(calendar["URL"]) == "http://localhost/events?country=DE"
    assert calendar.decoded("LAST-MODIFIED") == sample.cancelled.last_modified_at
    for event in calendar.walk("VEVENT"):
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert str(event["CLASS"]) == "PUBLIC"
        assert str(event["URL"]).startswith("http://localhost/events/")
    # Persian feed: the same structure in the site language.
    persian = _unfolded(get_feed(client, "/calendar.ics?country=DE", headers=PERSIAN))
    assert _value(persian, "NAME") == _value(persian, "X-WR-CALNAME") != _value(lines, "NAME")
    assert _value(persian, "DESCRIPTION") == _value(persian, "X-WR-CALDESC")

    # A single download is not a subscription: no calendar name (MS-OXCICAL), no refresh.
    single = get_feed(client, f"/events/{sample.weekly.slug}.ics")
    download = parse(single)
    for name in ("NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "METHOD"):
        assert name not in download
    assert str(download["SOURCE"]) == "http://localhost/events/thursday-vigil.ics"
    assert str(download["URL"]) == "http://localhost/events/thursday-vigil"


def test_no_method_alarms_attendees_or_addresses(client: FlaskClient) -> None:
    sample = _sample()
    for headers in ({}, PERSIAN):
        for url in ("/calendar.ics", f"/events/{sample.single.slug}.ics"):
            body = get_feed(client, url, headers=headers)
            for forbidden in (b"METHOD", b"VALARM", b"ATTENDEE", b"ORGANIZER", b"mailto:", b"@"):
                assert forbidden not in body, (url, forbidden)
            for event in (sample.single, sample.weekly, sample.cancelled):
                assert event.organizer.email.encode() not in body
                assert event.organizer.display_name.encode() not in body


# --- text: escaping, folding, injection --------------------------------------------------------


def _unfolded(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def _value(lines: list[str], name: str) -> str:
    """The raw (escaped) value of the first content line called ``name``."""
    found = [line.split(":", 1)[1] for line in lines if line.split(":", 1)[0] == name]
    assert found, name
    return found[0]


def _assert_wire_format(body: bytes) -> None:
    assert not body.startswith(b"\xef\xbb\xbf"), "BOM"
    lines = physical_lines(body)
    for number, line in enumerate(lines):
        assert len(line) <= 75, (number, line)
        assert b"\r" not in line
        assert b"\n" not in line
        # Each physical line is valid UTF-8 by itself: folds fall between code points.
        line.decode("utf-8", errors="strict")
        if number + 1 < len(lines) and lines[number + 1].startswith(b" "):
            # Never inside a "\x" escape: the folded line ends with an even run of backslashes.
            run = len(line) - len(line.rstrip(b"\\"))
            assert run % 2 == 0, (number, line)


def test_long_persian_and_emoji_text_is_folded_between_code_points(client: FlaskClient) -> None:
    title = ("زن، زندگی، آزادی؛ 🕯️✊🏽👩‍👩‍👧 شمع‌افروزی \\ , ; " * 6)[:TITLE_MAX].strip()
    description = "\n".join(
        ["سطر اول: زندانیان سیاسی؛ " * 8, "🇮🇷" * 40, "a,b;c\\d\\\\e" * 10, "\\n is not a newline"]
    )
    event = make_event(berlin_embassy(), title=title, description=description)
    for headers in ({}, PERSIAN):
        body = get_feed(client, "/calendar.ics", headers=headers)
        _assert_wire_format(body)
        component = vevents(body)[event.uid]
        assert str(component["DESCRIPTION"]).startswith(description + "\n\n")
        assert str(component["SUMMARY"]) == title
        assert str(component["LOCATION"]).startswith("Embassy of Iran, Berlin, ")
    single = get_feed(client, f"/events/{event.slug}.ics")
    _assert_wire_format(single)
    assert str(parse(single)["DESCRIPTION"]) == title


def test_same_data_gives_the_same_bytes(app: Flask, client: FlaskClient) -> None:
    sample = _sample()
    first = get_feed(client, "/calendar.ics")
    download = get_feed(client, f"/events/{sample.weekly.slug}.ics")
    cache.clear()  # really render again
    db.session.expire_all()
    assert get_feed(client, "/calendar.ics") == first
    assert get_feed(client, f"/events/{sample.weekly.slug}.ics") == download
    # Order of the events does not matter, and the builder reads no clock.
    events = [sample.toronto, sample.single, sample.persian, sample.weekly, sample.cancelled]
    feed = FeedInfo(name="x", description="y", source_url="https://a/b.ics", page_url="https://a")
    with app.test_request_context():
        pairs = [(event, event_text(event)) for event in events]
        built = build_calendar(pairs, feed, year=2026)
        clock.freeze(_z(2031, 1, 1))
        assert build_calendar(pairs[::-1], feed, year=2026) == built


def test_crlf_written_straight_into_the_database_cannot_inject(
    client: FlaskClient, tmp_path: Path
) -> None:
    """design/security.md T17: the serializer does not rely on the form's checks."""
    venue = berlin_embassy()
    venue.name = "Embassy\r\nGEO:0;0\r\nX-EVIL:1"
    honest = make_event(venue, title="Honest vigil")
    hostile = make_event(venue, title="Placeholder")
    hostile.title = "Vigil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Fake\rX\nY"
    hostile.description = (
        "Line 1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Fake; , \\ زن، زندگی\n"
        "\u2028END:VCALENDAR\u2029BEGIN:VEVENT\x85UID:evil2"
    )
    db.session.commit()

    body = get_feed(client, "/calendar.ics")
    _assert_wire_format(body)
    found = vevents(body)
    assert set(found) == {honest.uid, hostile.uid}
    lines = _unfolded(body)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    assert lines.count("END:VCALENDAR") == 1
    for line in lines:
        assert not line.startswith(("UID:evil", "SUMMARY:Fake", "X-EVIL", "GEO:0")), line

    def newlines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    component = found[hostile.uid]
    assert str(component["SUMMARY"]) == newlines(hostile.title)
    assert str(component["DESCRIPTION"]).startswith(newlines(hostile.description) + "\n\n")
    assert str(component["LOCATION"]).startswith(newlines(venue.name) + ", ")
    assert b"ATTENDEE" not in body
    assert b"ORGANIZER" not in body

    path = tmp_path / "hostile.ics"
    path.write_bytes(body)
    assert_ical_check_passes([path], window=(date(2026, 11, 1), date(2027, 1, 1)))


# --- golden files -------------------------------------------------------------------------------

# name -> (URL, request headers)
GOLDEN_FEEDS: dict[str, tuple[str, dict[str, str]]] = {
    "calendar.ics": ("/calendar.ics", {}),
    "calendar.fa.ics": ("/calendar.ics", PERSIAN),
    "near-toronto.ics": ("/calendar.ics?near=Toronto&radius_km=50", {}),
    "event-thursday-vigil.ics": ("/events/thursday-vigil.ics", {}),
    "event-rally-cancelled.fa.ics": ("/events/rally-at-the-embassy.ics", PERSIAN),
}


def test_golden_bytes(client: FlaskClient) -> None:
    _sample()
    problems = []
    for name, (url, headers) in GOLDEN_FEEDS.items():
        body = get_feed(client, url, headers=headers)
        path = GOLDEN / name
        if UPDATE_GOLDEN:
            GOLDEN.mkdir(exist_ok=True)
            path.write_bytes(body)
        elif not path.exists():
            problems.append(f"{name}: missing (run with UPDATE_GOLDEN=1)")
        elif path.read_bytes() != body:
            diff = difflib.unified_diff(
                path.read_bytes().decode().splitlines(),
                body.decode().splitlines(),
                f"golden/{name}",
                url,
                lineterm="",
            )
            problems.append(f"{name}: differs (UPDATE_GOLDEN=1 to rewrite)\n" + "\n".join(diff))
    assert sorted(p.name for p in GOLDEN.glob("*.ics")) == sorted(GOLDEN_FEEDS)
    assert not problems, "\n".join(problems)


def test_golden_files_and_a_fresh_feed_pass_ical_check(client: FlaskClient, tmp_path: Path) -> None:
    _sample()
    # A fresh feed with more than the sample: a daily series and an event in another zone.
    make_event(
        toronto(),
        title="Daily vigil, Toronto",
        starts_local=datetime(2026, 12, 1, 19, 0),  # noqa: DTZ001
        repeat=Repeat.DAILY,
        repeat_until_on=date(2026, 12, 10),
        skip_dates=frozenset({date(2026, 12, 3)}),
    )
    fresh = tmp_path / "fresh.fa.ics"
    fresh.write_bytes(get_feed(client, "/calendar.ics", headers=PERSIAN))
    assert_ical_check_passes([GOLDEN, fresh], window=WINDOW)


def test_golden_sample_has_what_it_claims() -> None:
    """The golden feeds are not trivially empty (guards an accidental UPDATE_GOLDEN)."""
    body = (GOLDEN / "calendar.ics").read_bytes()
    assert len(vevents(body)) == 5
    assert re.search(rb"EXDATE;TZID=Europe/Berlin:20270325T180000\r\n", body)
    assert b"STATUS:CANCELLED" in body
    assert "لغو شد: ".encode() in (GOLDEN / "calendar.fa.ics").read_bytes()
    assert len(vevents((GOLDEN / "near-toronto.ics").read_bytes())) == 1


def test_a_feed_holds_at_most_its_limit_of_events_the_soonest_first(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.feeds.queries, "FEED_EVENTS_MAX", 2)
    venue = berlin_embassy()
    days = [date(2026, 11, 10), date(2026, 12, 20), date(2026, 11, 20), date(2026, 12, 8)]
    for day in days:
        make_event(
            venue, title=f"On {day}", starts_local=datetime.combine(day, STARTS_LOCAL.time())
        )
    # Over for more than a week (out), over for five days (kept, as always), then the
    # soonest upcoming one: two.
    expected = {"On 2026-11-20", "On 2026-12-08"}
    for url in ("/calendar.ics", "/calendar.ics?near=52.5,13.4&radius_km=10"):
        body = get_feed(client, url)
        assert {str(event["SUMMARY"]) for event in vevents(body).values()} == expected, url
