"""An event's page: its parts in order, the venue's zone, the address, maps and share links."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from flask.testing import FlaskClient

from app.models import Event, Venue
from app.venues.countries import address_line
from tests.conftest import signed_in
from tests.factories import berlin_embassy, make_event, make_place, make_series, unplaced
from tests.rsvp.pages import post_rsvp

PERSIAN = {"Accept-Language": "fa"}
GERMAN = {"Accept-Language": "de"}


def _page(client: FlaskClient, event: Event, headers: dict[str, str] | None = None) -> str:
    response = client.get(f"/events/{event.slug}", headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def _zones(page: str) -> list[str]:
    return [_text(z) for z in re.findall(r'<p class="hint zone">(.*?)</p>', page, re.S)]


def _yerevan() -> Venue:
    return make_place(
        name="Republic Square",
        address="Republic Square, Yerevan, Yerevan",
        city="Yerevan",
        country_code="AM",
        latitude=40.1776,
        longitude=44.5126,
        timezone="Asia/Yerevan",
    )


def test_sections_come_in_the_order_a_visitor_needs_them(client: FlaskClient) -> None:
    event = make_event(berlin_embassy(), description="Bring *candles*.")
    page = _page(client, event)
    order = [
        "<h1>",
        'class="event-when"',
        'class="event-where"',
        'class="description"',
        'class="safety"',
        'class="rsvp"',
        'class="add-to-calendar"',
        'class="share"',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))


@pytest.mark.parametrize(
    ("headers", "label"),
    [
        ({}, "Local time at the place: Yerevan time (Armenia Standard Time, UTC+4)."),
        (GERMAN, "Eriwan"),
        (PERSIAN, "ایروان"),
    ],
)
def test_venue_time_names_the_zone_in_the_page_language(
    client: FlaskClient, headers: dict[str, str], label: str
) -> None:
    event = make_event(_yerevan())
    page = _page(client, event, headers)
    [zone] = _zones(page)
    assert label in zone
    # The offset stays left-to-right in a Persian sentence.
    assert '<bdi dir="ltr">UTC+4</bdi>' in page
    # The visitor's own time is added by a script from the UTC instant (2026-12-05 15:00).
    assert 'data-venue-zone="Asia/Yerevan"' in page
    assert '<time datetime="2026-12-05T11:00:00+00:00">' in page
    assert "js/local-time.js" in page


@pytest.mark.parametrize(
    ("headers", "winter", "summer"),
    [
        ({}, "Berlin time (Central European Standard Time, UTC+1)", "UTC+2"),
        (GERMAN, "Mitteleuropäische Normalzeit", "Mitteleuropäische Sommerzeit"),
        (PERSIAN, "وقت عادی مرکز اروپا", "وقت تابستانی مرکز اروپا"),
    ],
)
def test_a_series_across_the_change_to_summer_time_says_from_when(
    client: FlaskClient, headers: dict[str, str], winter: str, summer: str
) -> None:
    # Saturdays 20 March to 10 April 2027; Berlin moves to summer time on 28 March.
    start = datetime(2027, 3, 20, 15, 0)  # noqa: DTZ001 (venue wall time, as the form gives it)
    event = make_series(
        berlin_embassy(), starts_local=start, repeat_until_on=start.date().replace(day=10, month=4)
    )
    zones = _zones(_page(client, event, headers))
    assert len(zones) == 2, zones
    assert winter in zones[0]
    assert summer in zones[1]
    assert "UTC+2" in zones[1]
    if not headers:
        assert zones[1].startswith("From Apr 3, 2027:"), zones[1]


def test_address_says_each_part_once(client: FlaskClient) -> None:
    page = _page(client, make_event(_yerevan()))
    address = re.search(r'<bdi class="address">(.*?)</bdi>', page, re.S)
    assert address is not None
    assert _text(address.group(1)) == "Yerevan, Armenia"
    embassy = _page(client, make_event(berlin_embassy()))
    address = re.search(r'<bdi class="address">(.*?)</bdi>', embassy, re.S)
    assert address is not None
    assert _text(address.group(1)) == "Podbielskiallee 65–67, Berlin, Germany"


@pytest.mark.parametrize(
    ("address", "city", "expected"),
    [
        (
            "Podbielskiallee 65–67, Dahlem, Berlin",
            "Berlin",
            ["Podbielskiallee 65–67", "Dahlem", "Berlin", "Germany"],
        ),
        ("Alexanderplatz 1, Berlin, Berlin", "Berlin", ["Alexanderplatz 1", "Berlin", "Germany"]),
        ("4 avenue d'Iéna, 75116 Paris", "Paris", ["4 avenue d'Iéna", "75116 Paris", "Germany"]),
        ("Berliner Straße 5", "Berlin", ["Berliner Straße 5", "Berlin", "Germany"]),
        ("", "Berlin", ["Berlin", "Germany"]),
        ("Hauptplatz, BERLIN ", "berlin", ["Hauptplatz", "BERLIN", "Germany"]),
    ],
)
def test_address_line_drops_repeated_parts(address: str, city: str, expected: list[str]) -> None:
    venue = Venue(name="Somewhere", address=address, city=city)
    assert address_line(venue, "Germany") == expected


def test_a_city_state_is_named_once() -> None:
    venue = Venue(name="Embassy", address="10 Nassim Road", city="Singapore")
    assert address_line(venue, "Singapore") == ["10 Nassim Road", "Singapore"]


def test_maps_app_link_only_with_a_position(client: FlaskClient) -> None:
    page = _page(client, make_event(berlin_embassy()))
    assert 'href="geo:52.4609,13.2998?q=52.4609,13.2998"' in page
    assert "52.4609,13.2998)" in _text(page)
    assert "Open in your maps app" in page
    nowhere = _page(client, make_event(unplaced()))
    assert "geo:" not in nowhere
    assert "Open in your maps app" not in nowhere


@pytest.mark.parametrize("headers", [{}, GERMAN, PERSIAN])
def test_the_page_address_can_be_copied_without_javascript(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    event = make_event(berlin_embassy())
    page = _page(client, event, headers)
    field = re.search(r"<input id=\"share-event-url\"[^>]*>", page)
    assert field is not None
    assert "readonly" in field.group(0)
    assert f'value="http://localhost/events/{event.slug}"' in field.group(0)
    assert '<label for="share-event-url">' in page
    # The buttons wait for the script; nothing from another site.
    assert re.search(r'<div class="share-actions" hidden>', page)
    assert "js/share.js" in page
    assert not re.search(r'(src|href)="https?://(?!localhost)[^"]*(share|twitter|facebook)', page)


def test_a_draft_has_nothing_to_share(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(berlin_embassy(), organizer=organizer, publish=False)
    page = _page(client, event)
    assert "Draft: only you and admins can see this page." in page
    assert "share-event-url" not in page
    assert "js/share.js" not in page


def test_rsvp_confirmation_offers_the_calendar_and_keeps_the_code_in_the_fragment(
    client: FlaskClient,
) -> None:
    event = make_event(berlin_embassy())
    assert post_rsvp(client, event).status_code == 303
    page = client.get("/rsvp/done").get_data(as_text=True)
    token = re.search(r"/rsvp/manage#([A-Za-z0-9_-]{43,})", page)
    assert token is not None
    code = token.group(1)
    # Wherever the code appears, it follows the '#' of the manage link: never in a path,
    # a query string or any other address the browser would send to a server.
    for found in re.finditer(re.escape(code), page):
        assert page[found.start() - len("/rsvp/manage#") : found.start()] == "/rsvp/manage#"
    for address in re.findall(r'(?:href|src|action|value|data-[a-z-]+)="([^"]*)"', page):
        if code in address:
            assert address == f"http://localhost/rsvp/manage#{code}", address
    field = re.search(r'<input id="manage-link"[^>]*>', page)
    assert field is not None
    assert "readonly" in field.group(0)
    assert "share-native" not in page  # a private link is copied, not shared with apps
    # Add to calendar: the event's .ics and the first date, with the event's page as link.
    assert 'class="add-to-calendar"' in page
    assert f'href="/events/{event.slug}.ics"' in page
    assert "calendar.google.com" in page
    assert "20261205T140000Z" in page
    assert page.index('class="private-link"') < page.index('class="add-to-calendar"')


def test_all_dates_page_names_the_zone_too(client: FlaskClient) -> None:
    event = make_series(_yerevan())
    page = client.get(f"/events/{event.slug}/dates", headers=GERMAN).get_data(as_text=True)
    [zone] = _zones(page)
    assert "Eriwan" in zone
    assert "UTC+4" in zone
