"""An event page lists a series' dates: the next twelve, and "and N more" leading to all."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask.testing import FlaskClient

from app import clock
from app.models import Repeat
from tests.conftest import DEFAULT_NOW
from tests.factories import make_event, make_series, make_user


def _dates(html: str) -> list[str]:
    return re.findall(r'<li><time datetime="([^"]+)">', html)


def test_a_long_series_shows_twelve_dates_and_links_to_all_of_them(client: FlaskClient) -> None:
    # Daily from 2026-12-05 to 2027-01-03: 30 dates.
    event = make_series(repeat=Repeat.DAILY, repeat_until_on=date(2027, 1, 3))
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert len(_dates(page)) == 12
    assert f'<a href="/events/{event.slug}/dates">and 18 more dates</a>' in page

    response = client.get(f"/events/{event.slug}/dates")
    assert response.status_code == 200
    everything = response.get_data(as_text=True)
    shown = _dates(everything)
    assert len(shown) == 30
    assert shown[0].startswith("2026-12-05T14:00")  # 15:00 in Berlin
    assert shown[-1].startswith("2027-01-03T14:00")
    assert "Earlier dates" not in everything


def test_dates_that_are_over_are_listed_apart(client: FlaskClient) -> None:
    event = make_series(repeat=Repeat.DAILY, repeat_until_on=date(2026, 12, 20))  # 16 dates
    clock.freeze(DEFAULT_NOW + timedelta(days=13))  # 2026-12-08: three dates are over
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert len(_dates(page)) == 12
    assert "and 1 more date</a>" in page
    everything = client.get(f"/events/{event.slug}/dates").get_data(as_text=True)
    upcoming, over = everything.split("Earlier dates")
    assert len(_dates(upcoming)) == 13
    assert [d[:10] for d in _dates(over)] == ["2026-12-07", "2026-12-06", "2026-12-05"]


def test_a_short_series_has_no_more_link(client: FlaskClient) -> None:
    event = make_series()  # five weekly dates
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert len(_dates(page)) == 5
    assert f"/events/{event.slug}/dates" not in page
    assert len(_dates(client.get(f"/events/{event.slug}/dates").get_data(as_text=True))) == 5


def test_the_dates_of_a_draft_are_as_hidden_as_its_page(client: FlaskClient) -> None:
    draft = make_event(publish=False, organizer=make_user())
    assert client.get(f"/events/{draft.slug}").status_code == 404
    assert client.get(f"/events/{draft.slug}/dates").status_code == 404
    assert client.get("/events/no-such-event/dates").status_code == 404
