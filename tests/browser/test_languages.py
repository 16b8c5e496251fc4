"""Persian dates in Chromium: the Solar Hijri date beside the Gregorian one, Persian
digits, and times and zones that keep their order inside right-to-left text."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import clock
from app.dates import jalali_date
from app.extensions import db
from app.models import User
from tests.browser.conftest import BrowserLog, Site
from tests.factories import make_event, make_place

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

PHONE = {"width": 390, "height": 844}
TEHRAN = ZoneInfo("Asia/Tehran")
# Where the first and the last character of an element's text are drawn.
ENDS = """(element) => {
  const text = element.firstChild, range = document.createRange();
  range.setStart(text, 0); range.setEnd(text, 1);
  const first = range.getBoundingClientRect().left;
  range.setStart(text, text.length - 1); range.setEnd(text, text.length);
  return [first, range.getBoundingClientRect().left];
}"""


def _tehran_event(site: Site) -> tuple[str, datetime]:
    """An event at 03:00 Tehran time (UTC+03:30) two days from now: its slug and start."""
    assert site.app is not None
    with site.app.app_context():
        # No position: the map's tests see their places as seeded.
        venue = make_place(
            name="Square in Tehran time",
            city="Tehran",
            country_code="IR",
            timezone="Asia/Tehran",
            latitude=None,
            longitude=None,
        )
        organizer = db.session.scalars(select(User).order_by(User.id)).first()
        day = (clock.now_utc() + timedelta(days=2)).astimezone(TEHRAN).date()
        start = datetime.combine(day, time(3, 0))
        event = make_event(venue, organizer=organizer, title="Night vigil", starts_local=start)
        return event.slug, start


def _read_before(first: Locator, second: Locator) -> bool:
    """A reader of right-to-left text meets ``first`` before ``second``: on a line above,
    or on the same line further right."""
    a, b = first.bounding_box(), second.bounding_box()
    assert a is not None
    assert b is not None
    middle_a, middle_b = a["y"] + a["height"] / 2, b["y"] + b["height"] / 2
    if abs(middle_a - middle_b) < min(a["height"], b["height"]) / 2:
        return a["x"] >= b["x"] + b["width"] - 1
    return middle_a < middle_b


def test_persian_event_page_shows_the_jalali_date_and_isolated_times(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    slug, start = _tehran_event(site)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"/language/fa?next=/events/{slug}")
    when = page.locator("main time").first
    text = when.inner_text()
    assert f"({jalali_date(start.date())})" in text
    assert "۰۳:۰۰" in text
    assert "۰۵:۰۰" in text
    assert not any(char.isascii() and char.isdigit() for char in text.replace("+0330", ""))

    parts = when.locator("bdi")
    day, begin, end, zone = (parts.nth(index) for index in range(4))
    assert zone.inner_text() == "+0330"
    # Read right to left (the line may wrap): the day, the start, the end, the zone.
    assert _read_before(day, begin)
    assert _read_before(begin, end)
    assert _read_before(end, zone)
    # Inside its isolate the zone reads left to right: "+0330", never "0330+".
    plus, last = zone.evaluate(ENDS)
    assert plus < last
    # Nothing sticks out of a phone's screen.
    for index in range(4):
        box = parts.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    browser_log.assert_clean("on the Persian event page")
