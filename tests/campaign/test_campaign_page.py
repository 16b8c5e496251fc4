"""/campaign: the statement's call, the figures, the map of vigils and the missions
that still wait for one, served from the page cache."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.events.services import cancel_event
from app.extensions import db
from app.models import EventKind, Venue, VenueStatus
from tests.conftest import sql_statements
from tests.factories import (
    berlin_embassy,
    berlin_mitte,
    hamburg_consulate,
    london_embassy,
    make_event,
    make_rsvp,
    make_series,
    make_statement,
    make_user,
    make_venue,
    paris,
    sydney_consulate,
    toronto,
)

_TAG = re.compile(r"<[^>]+>")


def _page(client: FlaskClient, language: str = "en") -> str:
    client.set_cookie("lang", language)
    response = client.get("/campaign")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _text(html: str) -> str:
    """The page's words, tags removed and spaces joined: what a reader sees."""
    inline = html.replace("<bdi>", "").replace("</bdi>", "")
    return " ".join(unescape(_TAG.sub(" ", inline)).split())


def _figures(html: str) -> str:
    return _text(html.split('class="figures">', 1)[1].split("</ul>", 1)[0])


def _offered(html: str) -> list[str]:
    """The venue ids offered a "Host a vigil" link, in page order."""
    return re.findall(r'href="/campaign/host\?venue=(\d+)"', html)


def _mission(number: int, **overrides: object) -> Venue:
    values: dict[str, object] = {
        "import_key": f"mission:Consulate {number}",
        "name": f"Consulate {number}",
        "city": f"City {number}",
        "kind": "consulate",
    }
    return make_venue(**{**values, **overrides})


def test_figures_count_upcoming_published_vigils_only(client: FlaskClient) -> None:
    berlin = make_event(berlin_embassy())
    make_rsvp(berlin, party_size=2)
    make_rsvp(berlin, party_size=3)
    make_event(berlin_mitte())  # another vigil in Berlin: one city
    series = make_series(london_embassy())  # five dates: one vigil
    make_rsvp(series, dates=[date(2026, 12, 5), date(2026, 12, 12)])  # one person, two dates
    hidden = make_event(paris())
    make_rsvp(hidden, party_size=4)
    hidden.hide_count = True  # its people are not added to the total
    db.session.commit()
    cancelled = make_event(toronto())
    make_rsvp(cancelled, party_size=5)
    cancel_event(cancelled, reason="", editor=cancelled.organizer)
    db.session.commit()
    make_event(sydney_consulate(), publish=False)  # a draft
    make_event(hamburg_consulate(), kind=EventKind.RALLY)  # not a vigil
    make_event(berlin.venue, starts_local=datetime(2026, 11, 1, 15, 0))  # over  # noqa: DTZ001

    figures = _figures(_page(client))

    assert figures == "4 upcoming vigils in 3 countries in 3 cities about 7 people going"


def test_figures_are_zero_and_singular_words_fit(client: FlaskClient) -> None:
    assert _figures(_page(client)) == (
        "0 upcoming vigils in 0 countries in 0 cities about 0 people going"
    )
    make_rsvp(make_event(berlin_embassy()))
    assert _figures(_page(client)) == "1 upcoming vigil in 1 country in 1 city about 1 person going"


def test_open_missions_without_a_vigil_are_offered_by_country(client: FlaskClient) -> None:
    with_vigil = berlin_embassy()
    make_event(with_vigil)
    closed = hamburg_consulate(status=VenueStatus.CLOSED)
    cancelled_only = london_embassy()
    cancel_event(make_event(cancelled_only), reason="", editor=make_user())
    db.session.commit()
    draft_only = sydney_consulate()
    make_event(draft_only, publish=False)
    rally_only = _mission(1, country_code="DE", status=VenueStatus.UNKNOWN)
    make_event(rally_only, kind=EventKind.RALLY)
    past_only = _mission(2, country_code="AT", timezone="Europe/Vienna")
    make_event(past_only, starts_local=datetime(2026, 11, 1, 15, 0))  # noqa: DTZ001
    typed_in = berlin_mitte()  # not a mission

    html = _page(client)
    offered = _offered(html)

    assert str(with_vigil.id) not in offered
    assert str(closed.id) not in offered
    assert str(typed_in.id) not in offered
    # By country name (Australia, Austria, Germany, United Kingdom), then city.
    assert offered == [
        str(draft_only.id),
        str(past_only.id),
        str(rally_only.id),
        str(cancelled_only.id),
    ]
    section = _text(html.split('class="open-missions"', 1)[1])
    assert (
        "Germany No vigil is planned in front of Consulate 1 in City 1. Host a vigil (Consulate 1)"
        in section
    )
    assert "No vigil is planned in front of Embassy of Iran, London in London." in section
    assert html.count('href="/campaign/host"') == 1  # the page's own button
    assert "Closed missions are not listed." in section


def test_every_mission_with_a_vigil_says_so(client: FlaskClient) -> None:
    make_event(berlin_embassy())
    html = _page(client)
    assert _offered(html) == []
    assert "Every open mission has a vigil planned." in html


def test_hostile_text_is_shown_literally(client: FlaskClient) -> None:
    make_statement(title="<img src=x onerror=alert(1)>", body="<script>alert(2)</script> Come.")
    mission = _mission(3, name='Embassy "<b>bold</b>" & co', city="<i>Den Haag</i>")

    html = _page(client)

    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert "<i>Den Haag</i>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert f'href="/campaign/host?venue={mission.id}"' in html


def test_the_call_is_the_statement_in_the_page_language(client: FlaskClient) -> None:
    make_statement(title="Free them all", body="We stand with the prisoners.\n\nMore.")
    make_statement(
        title="همه را آزاد کنید",
        body="ما در کنار زندانیان هستیم.",
        language="fa",
        is_translation=True,
    )
    english = _page(client)
    assert '<h2 id="call-title">Free them all</h2>' in english
    assert "We stand with the prisoners." in english
    assert "More." not in english
    persian = _page(client, "fa")
    assert '<html lang="fa" dir="rtl">' in persian
    assert '<div lang="fa" dir="rtl">' in persian
    assert "همه را آزاد کنید" in persian
    german = _page(client, "de")
    assert '<div lang="en" dir="ltr">' in german  # no German version: the original
    assert "Free them all" in german


def test_the_map_shows_the_vigils_from_this_site(client: FlaskClient) -> None:
    html = _page(client)
    assert 'data-geojson="/events.geojson?kind=vigil"' in html
    assert '<script src="/map.js"></script>' in html
    hosts = re.findall(r'(?:src|href)="(?:https?:)?//([^/"]+)', html)
    assert set(hosts) <= {"localhost"}


def test_home_and_statement_link_to_the_campaign(client: FlaskClient) -> None:
    make_statement()
    for path in ("/", "/statement"):
        assert 'href="/campaign"' in client.get(path).get_data(as_text=True)


def test_sql_does_not_grow_with_vigils_and_missions(app: Flask, client: FlaskClient) -> None:
    make_statement()
    make_rsvp(make_event(berlin_embassy()))
    _mission(10)

    def statements() -> int:
        # Every commit above starts a new data generation: this request is built.
        with sql_statements() as sent:
            _page(client)
        return len(sent)

    few = statements()
    assert few > 0
    for number in range(11, 16):
        make_rsvp(make_event(_mission(number)))
        _mission(number + 10)
    make_series(london_embassy())
    assert statements() == few
    assert few <= 5  # BEGIN, the statement, two counts, the missions


@pytest.mark.parametrize("language", ["en", "de", "fa"])
def test_the_cached_page_follows_changes(app: Flask, language: str) -> None:
    visitor = app.test_client()
    mission = hamburg_consulate()
    first = _page(visitor, language)
    assert _offered(first) == [str(mission.id)]
    with sql_statements() as statements:
        again = _page(visitor, language)
    assert statements == []  # from the cache
    assert again == first

    event = make_event(mission)  # published: the mission has its vigil

    changed = _page(visitor, language)
    assert _offered(changed) == []
    before = _figures(changed)
    make_rsvp(event, party_size=3)  # a live change: the count follows too
    assert _figures(_page(visitor, language)) != before
