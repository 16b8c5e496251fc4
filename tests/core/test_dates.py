"""Dates and times in the page language (app/dates.py): Persian digits and the Solar
Hijri date on Persian pages, in the venue's zone; feeds stay Gregorian with Latin digits."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.dates import format_distance, format_when, jalali_date, native_digits
from app.models import Event, Repeat
from tests.factories import make_event, make_venue

PERSIAN_DIGIT = re.compile("[۰-۹]")
LATIN_DIGIT = re.compile("[0-9]")
# 03:00 on Sunday 6 December 2026 in Tehran (UTC+03:30) is 23:30 UTC on the 5th.
TEHRAN_START = datetime(2026, 12, 6, 3, 0)  # noqa: DTZ001  (venue wall time)
# In the venue's zone, on the Jalali calendar: 15 Azar 1405 (the 5th is 14 Azar).
PERSIAN_DAY = "یکشنبه ۶ دسامبر ۲۰۲۶ (۱۵ آذر ۱۴۰۵)"
PERSIAN_WHEN = (
    f'<bdi>{PERSIAN_DAY}</bdi>، <bdi>۰۳:۰۰</bdi>–<bdi>۰۵:۰۰</bdi> <bdi dir="ltr">+0330</bdi>'
)


@pytest.fixture
def tehran_event(app: Flask) -> Event:
    venue = make_venue(
        import_key=None, name="Square in Tehran time", city="Tehran", timezone="Asia/Tehran"
    )
    return make_event(venue, title="Night vigil", starts_local=TEHRAN_START)


def _get(client: FlaskClient, path: str, language: str) -> str:
    client.set_cookie("lang", language)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _times(html: str) -> list[str]:
    return re.findall(r"<time datetime=\"[^\"]+\">(.*?)</time>", html)


def test_the_utc_instant_is_the_evening_before(tehran_event: Event) -> None:
    assert tehran_event.starts_at.isoformat() == "2026-12-05T23:30:00+00:00"


@pytest.mark.parametrize("path", ["/events", "/", "event"])
def test_persian_pages_show_persian_digits_and_the_jalali_day_of_the_venue(
    client: FlaskClient, tehran_event: Event, path: str
) -> None:
    html = _get(client, f"/events/{tehran_event.slug}" if path == "event" else path, "fa")
    assert PERSIAN_WHEN in _times(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Sunday, December 6, 2026, 03:00–05:00 +0330"),
        ("de", "Sonntag, 6. Dezember 2026, 03:00–05:00 +0330"),
    ],
)
def test_other_languages_keep_latin_digits_and_the_gregorian_date(
    client: FlaskClient, tehran_event: Event, language: str, expected: str
) -> None:
    html = _get(client, f"/events/{tehran_event.slug}", language)
    assert expected in _times(html)
    assert "آذر" not in html
    assert not PERSIAN_DIGIT.search(html)


def test_a_series_end_date_is_persian_too(client: FlaskClient, app: Flask) -> None:
    event = make_event(repeat=Repeat.WEEKLY, repeat_until_on=date(2027, 1, 2))
    html = _get(client, f"/events/{event.slug}", "fa")
    # 2 January 2027 is 12 Dey 1405.
    assert "هر هفته تا ۲ ژانویه ۲۰۲۷ (۱۲ دی ۱۴۰۵)" in html  # "Every week until …"


@pytest.mark.parametrize("path", ["/events.rss", "/events.atom"])
def test_persian_feeds_stay_gregorian_with_latin_digits(
    client: FlaskClient, tehran_event: Event, path: str
) -> None:
    xml = _get(client, path, "fa")
    assert "یکشنبه 6 دسامبر 2026، 03:00–05:00 +0330" in xml
    assert not PERSIAN_DIGIT.search(xml)
    assert "آذر" not in xml
    assert "bdi" not in xml


@pytest.mark.parametrize("path", ["/calendar.ics", "/api/v1/events", "event.ics"])
def test_calendar_and_api_have_no_persian_digits(
    client: FlaskClient, tehran_event: Event, path: str
) -> None:
    url = f"/events/{tehran_event.slug}.ics" if path == "event.ics" else path
    body = _get(client, url, "fa")
    assert "Night vigil" in body
    assert not PERSIAN_DIGIT.search(body)


def test_plain_text_keeps_a_numeric_zone_in_order(app: Flask, tehran_event: Event) -> None:
    """Mails and posters have no <bdi>: a left-to-right mark keeps "+0330" from turning
    into "0330+" in right-to-left text."""
    with app.test_request_context(headers={"Cookie": "lang=fa"}):
        text = format_when(tehran_event.starts_at, tehran_event.ends_at, "Asia/Tehran")
        assert text == f"{PERSIAN_DAY}، ۰۳:۰۰–۰۵:۰۰ \u200e+0330"
        feed = format_when(tehran_event.starts_at, tehran_event.ends_at, "Asia/Tehran", feed=True)
        assert feed == "یکشنبه 6 دسامبر 2026، 03:00–05:00 +0330"
        assert format_distance(12.34) == "۱۲"
        assert format_distance(3.44) == "۳٫۴"


def test_digits_and_the_jalali_calendar() -> None:
    assert native_digits("15:00, 2026", "fa") == "۱۵:۰۰, ۲۰۲۶"
    assert native_digits("15:00", "de") == "15:00"
    assert jalali_date(date(2026, 3, 21)) == "۱ فروردین ۱۴۰۵"  # Nowruz
    assert jalali_date(date(2026, 3, 20)) == "۲۹ اسفند ۱۴۰۴"
    assert not LATIN_DIGIT.search(jalali_date(date(2026, 12, 5)))


def test_a_latin_title_in_a_persian_sentence_is_isolated(client: FlaskClient, app: Flask) -> None:
    """Without <bdi>, "Vigil 2026!" inside Persian text would show as "!Vigil 2026"."""
    event = make_event(title="Vigil 2026!", repeat=Repeat.WEEKLY, repeat_until_on=date(2027, 1, 2))
    html = _get(client, f"/events/{event.slug}/dates", "fa")
    assert "<bdi>Vigil 2026!</bdi>" in re.search(r"<h1>(.*?)</h1>", html).group(1)  # type: ignore[union-attr]
