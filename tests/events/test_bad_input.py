"""Every malformed value in the event form and the list filters gets a 4xx and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Venue
from tests.conftest import signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, hamburg_consulate, make_event


def _event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event)) or 0


BAD_FIELDS: list[tuple[str, Any]] = [
    ("title", ""),
    ("title", "x" * 141),
    ("title", "Vigil\x00"),
    ("title", "Vigil \u202egnp.exe"),
    ("title", "Line one\r\nLine two"),
    ("description", "x" * 5001),
    ("description", "text\x00"),
    ("description", "bell\x07"),
    ("kind", "party"),
    ("venue", "999999"),
    ("venue", "abc"),
    ("venue", ""),
    ("starts_at", "2027-02-30T10:00"),
    ("starts_at", "2027-13-01T10:00"),
    ("starts_at", ""),
    ("starts_at", "0000-01-01T10:00"),
    ("starts_at", "10000-01-01T10:00"),
    ("starts_at", "tomorrow"),
    ("starts_at", "2026-11-20T15:00"),  # in the past
    ("starts_at", "2031-01-01T15:00"),  # too far ahead
    ("ends_at", "2026-11-28T14:00"),  # before the start
    ("ends_at", "2026-11-28T15:00"),  # equal to the start
    ("ends_at", "2026-12-06T15:00"),  # longer than seven days
    ("capacity", "-1"),
    ("capacity", "0"),
    ("capacity", "abc"),
    ("capacity", "1.5"),
    ("capacity", "NaN"),
    ("capacity", "100001"),
    ("capacity", "100000000000000000000"),
    ("contact_url", "javascript:alert(1)"),
    ("contact_url", "ftp://example.org"),
    ("contact_url", "https://exa mple.org"),
    ("repeat", "monthly"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_bad_event_field_is_refused(client: FlaskClient, field: str, value: Any) -> None:
    signed_in(client)
    venue = berlin_embassy()
    response = post_event(client, "/organize/events/new", event_form(venue, **{field: value}))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="error"' in body
    assert _event_count() == 0


BAD_SERIES: list[dict[str, str]] = [
    {"repeat": "weekly", "repeat_until": ""},
    {"repeat": "weekly", "repeat_until": "2026-11-01"},
    {"repeat": "weekly", "repeat_until": "2028-01-01"},
    {"repeat": "weekly", "repeat_until": "2027-01-30", "skip_dates": "2026-13-01"},
    {"repeat": "weekly", "repeat_until": "2027-01-30", "skip_dates": "2026-12-01"},  # a Tuesday
    {"repeat": "daily", "repeat_until": "2026-12-10", "skip_dates": "someday"},
]


@pytest.mark.parametrize("series", BAD_SERIES)
def test_bad_series_is_refused(client: FlaskClient, series: dict[str, str]) -> None:
    signed_in(client)
    venue = berlin_embassy()
    response = post_event(client, "/organize/events/new", event_form(venue, **series))
    assert response.status_code == 422
    assert _event_count() == 0


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [("2027-03-28T02:30", "does not exist"), ("2027-10-31T02:30", "happens twice")],
)
def test_dst_gap_and_overlap_are_refused(client: FlaskClient, starts_at: str, message: str) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(venue, starts_at=starts_at, ends_at=starts_at[:11] + "05:00")
    response = post_event(client, "/organize/events/new", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _event_count() == 0


OTHER_VENUE = {
    "venue": "other",
    "venue_name": "Town hall square",
    "venue_address": "Marktplatz 1",
    "venue_city": "Hamburg",
    "venue_country": "DE",
    "venue_latitude": "53.5503",
    "venue_longitude": "9.9920",
    "venue_timezone": "",
}


def test_other_address_derives_time_zone(client: FlaskClient) -> None:
    signed_in(client)
    berlin_embassy()
    form = event_form(berlin_venue(), **OTHER_VENUE)
    assert post_event(client, "/organize/events/new", form).status_code == 303
    event = db.session.scalars(select(Event)).one()
    assert event.venue.name == "Town hall square"
    assert event.timezone == "Europe/Berlin"


def berlin_venue() -> Venue:
    return db.session.scalars(select(Venue)).first() or berlin_embassy()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("venue_latitude", "NaN"),
        ("venue_latitude", "91"),
        ("venue_latitude", "inf"),
        ("venue_latitude", "1e309"),
        ("venue_latitude", "52,5"),
        ("venue_latitude", ""),
        ("venue_longitude", "181"),
        ("venue_longitude", "0x10"),
        ("venue_timezone", "../../etc/passwd"),
        ("venue_timezone", "asia/tehran"),
        ("venue_timezone", "posixrules"),
        ("venue_country", "XX"),
        ("venue_country", "1"),
        ("venue_name", ""),
        ("venue_city", "x" * 101),
    ],
)
def test_bad_other_address_is_refused(client: FlaskClient, field: str, value: str) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(venue, **{**OTHER_VENUE, field: value})
    response = post_event(client, "/organize/events/new", form)
    assert response.status_code == 422
    assert _event_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 1


def test_closed_mission_needs_confirmation(client: FlaskClient) -> None:
    signed_in(client)
    closed = hamburg_consulate(status="closed")
    form = event_form(closed)
    response = post_event(client, "/organize/events/new", form)
    assert response.status_code == 422
    assert "reported closed" in response.get_data(as_text=True)
    assert _event_count() == 0
    form["confirm_closed"] = "y"
    assert post_event(client, "/organize/events/new", form).status_code == 303
    assert _event_count() == 1


def test_form_keeps_what_was_typed(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(venue, title="زن، زندگی، آزادی", capacity="abc", description="Line 1\nLine 2")
    body = post_event(client, "/organize/events/new", form).get_data(as_text=True)
    assert 'value="زن، زندگی، آزادی"' in body
    assert "Line 1\nLine 2</textarea>" in body
    assert 'value="2026-11-28T15:00"' in body


def test_missing_csrf_is_refused(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    response = client.post("/organize/events/new", data=event_form(venue))
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _event_count() == 0


def test_oversized_body_is_refused(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    response = post_event(client, "/organize/events/new", event_form(venue, title="x" * 100_000))
    assert response.status_code == 413
    assert _event_count() == 0


def test_repeated_field_uses_first_value(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    from tests.conftest import csrf_token

    token = csrf_token(client, "/organize/events/new")
    data = {**event_form(venue), "csrf_token": token}
    data["title"] = ["First title", "Second title"]  # type: ignore[assignment]
    assert client.post("/organize/events/new", data=data).status_code == 303
    assert db.session.scalars(select(Event)).one().title == "First title"


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "{{7*7}} ${alert(1)} `x` \\` \"quoted\" 'single'",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_text_is_displayed_literally(client: FlaskClient, title: str) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(venue, title=title, description=title)
    assert post_event(client, "/organize/events/new", form).status_code == 303
    event = db.session.scalars(select(Event)).one()
    assert event.title == title
    for url in ("/", "/events", f"/events/{event.slug}", "/organize/"):
        body = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in body
        assert "<script>alert" not in body
        if url != "/":
            assert "{{7*7}}" in body or "{{7*7}}" not in title


def test_persian_text_with_zwnj_is_stored_byte_exact(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    title = "تجمع برای آزادی همه‌ی زندانیان 🕯️✊🏽"
    assert (
        post_event(client, "/organize/events/new", event_form(venue, title=title)).status_code
        == 303
    )
    event = db.session.scalars(select(Event)).one()
    assert event.title == title
    assert "\u200c" in event.title
    assert title in client.get(f"/events/{event.slug}").get_data(as_text=True)


# A bad value of each list filter, the field that says so, and the text the page shows
# again (None for a choice from a list, which cannot show a value it does not offer).
BAD_FILTERS: list[tuple[str, str, str | None]] = [
    ("page=0", "page", None),
    ("page=abc", "page", None),
    ("page=99999999999", "page", None),
    ("page=1.5", "page", None),
    ("from=2025-02-30", "from", 'value="2025-02-30"'),
    ("from=0000-01-01", "from", None),
    ("to=9999-12-31", "to", 'value="9999-12-31"'),
    ("from=2027-01-02&to=2027-01-01", "to", 'value="2027-01-01"'),
    ("country=XYZ", "country", "“XYZ” is not a country we know"),
    ("country=1", "country", "“1” is not a country we know"),
    ("country=Germany", "country", "“GERMANY” is not a country we know"),
    ("kind=party", "kind", None),
    ("q=" + "x" * 101, "q", 'value="' + "x" * 101 + '"'),
    ("q=a%00b", "q", None),
    ("city=%E2%80%AEx", "city", None),
    ("radius_km=abc&near=Berlin", "radius_km", 'value="abc"'),
    ("radius_km=1e3&near=Berlin", "radius_km", 'value="1e3"'),
    ("radius_km=-1", "radius_km", 'value="-1"'),
    ("near=Qwzxv+Plorb", "near", 'value="Qwzxv Plorb"'),
    ("near=" + "Berlin" * 300, "near", 'value="' + "Berlin" * 300 + '"'),
    ("near=91,0", "near", 'value="91,0"'),
    ("country=" + "X" * 5000, "country", "is not a country we know"),
]


@pytest.mark.parametrize(("query", "field", "kept"), BAD_FILTERS)
def test_a_bad_filter_shows_the_list_page_with_the_form_and_a_message(
    client: FlaskClient, query: str, field: str, kept: str | None
) -> None:
    """Never a bare error page: the form again, the value kept, a message at its field."""
    berlin_embassy()
    response = client.get(f"/events?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<h1>Rallies and vigils</h1>" in body
    assert 'role="search"' in body
    assert f'<p class="error" id="{field}-error">' in body
    if field != "page":  # the page has no field: its message is in the form's alert
        assert f'aria-describedby="{field}-error"' in body or f"{field}-hint {field}-error" in body
    assert "Please correct the marked fields." in body
    if kept is not None:
        assert kept in body
    # The list is still there, filtered by the valid filters.
    assert 'class="count"' in body
    # A page with an invalid filter is not cached: the next visitor gets a fresh answer.
    assert client.get(f"/events?{query}").status_code == 400


def test_the_list_keeps_the_valid_filters_beside_an_invalid_one(client: FlaskClient) -> None:
    berlin, hamburg = berlin_embassy(), hamburg_consulate()
    make_event(berlin, title="Vigil in Berlin")
    make_event(hamburg, title="Vigil in Hamburg")
    body = client.get("/events?city=Hamburg&radius_km=abc").get_data(as_text=True)
    assert "Vigil in Hamburg" in body
    assert "Vigil in Berlin" not in body
    # Links (pages, map, feed) carry only the valid filters.
    assert "radius_km=abc" not in body.replace('value="abc"', "")


@pytest.mark.parametrize(
    "path",
    [
        "/events/does-not-exist",
        "/events/" + "a" * 500,
        "/organize/events/abc/edit",
        "/organize/events/0/edit",
        "/organize/events/-1/edit",
        "/organize/events/99999999999999999999/edit",
        "/organize/events/2147483648/edit",
    ],
)
def test_malformed_ids_are_404(client: FlaskClient, path: str) -> None:
    signed_in(client)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("slug", ["%00", "a%00b", "UPPER-case", "dots.and.more", "%E2%80%AE"])
def test_impossible_slugs_are_404(client: FlaskClient, slug: str) -> None:
    assert client.get(f"/events/{slug}").status_code == 404


@pytest.mark.parametrize(
    ("first", "until", "day", "message"),
    [
        # Sundays 02:30 in Berlin: the clocks skip 02:00–03:00 on 2027-03-28…
        ("2027-03-21T02:30", "2027-04-04", "2027-03-28", "does not exist"),
        # …and go through 02:00–03:00 twice on 2027-10-31.
        ("2027-10-24T02:30", "2027-11-07", "2027-10-31", "happens twice"),
    ],
)
def test_a_series_date_in_a_clock_change_is_refused_until_skipped(
    client: FlaskClient, first: str, until: str, day: str, message: str
) -> None:
    signed_in(client)
    venue = berlin_embassy()
    series = {"repeat": "weekly", "repeat_until": until, "ends_at": first[:11] + "04:00"}
    response = post_event(
        client, "/organize/events/new", event_form(venue, starts_at=first, **series)
    )
    assert response.status_code == 422
    assert f"On {day} this time {message} at the place" in response.get_data(as_text=True)
    assert _event_count() == 0
    skipped = event_form(venue, starts_at=first, skip_dates=day, **series)
    assert post_event(client, "/organize/events/new", skipped).status_code == 303
    assert _event_count() == 1


def test_a_series_ending_in_a_clock_change_is_refused(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(
        venue,
        starts_at="2027-03-21T01:00",
        ends_at="2027-03-21T02:30",
        repeat="weekly",
        repeat_until="2027-04-04",
    )
    response = post_event(client, "/organize/events/new", form)
    assert response.status_code == 422
    assert "On 2027-03-28 this time does not exist" in response.get_data(as_text=True)
