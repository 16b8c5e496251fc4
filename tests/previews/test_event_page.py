"""Open Graph, Twitter card and schema.org JSON-LD on event pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from app.events.services import cancel_date, cancel_event
from app.events.views import DATES_ON_EVENT_PAGE
from app.extensions import db
from app.models import Repeat
from tests.conftest import signed_in
from tests.factories import (
    berlin_embassy,
    make_event,
    make_place,
    make_series,
    make_user,
    sydney_consulate,
)
from tests.previews.parsing import Head, event_head, event_problems, parse_head

BERLIN = ZoneInfo("Europe/Berlin")
PERSIAN_TITLE = "تجمع برای آزادی همه‌ی زندانیان"  # with a ZWNJ (U+200C) in "همه‌ی"
HOSTILE_TITLE = (
    "Vigil </script><script>alert(1)</script> <!-- \"quoted\" 'single' "
    "\u202eevil\u202c \u2066isolate\u2069 & <b>bold</b>"
)


def _valid(head: Head, app: Flask, *, geo: bool = True) -> list[dict[str, Any]]:
    documents = head.documents()
    assert documents
    for doc in documents:
        assert event_problems(doc, geo=geo) == [], doc
    return documents


def test_event_page_carries_open_graph_and_a_valid_event(app: Flask, client: FlaskClient) -> None:
    event = make_event(
        description="Bring *candles* and photos.\n\nWe stand together.",
        organized_by="Friends of Evin",
    )
    head = event_head(client, event)
    url = f"http://localhost/events/{event.slug}"
    og = head.og()
    assert og["og:url"] == url
    assert og["og:title"] == "Vigil for the prisoners"
    assert og["og:type"] == "website"
    assert og["og:site_name"] == app.config["SITE_NAME"]
    assert og["og:locale"] == "en_US"
    # Plain text: no Markdown, no HTML; the time in venue time with its zone, then the place.
    assert og["og:description"].startswith("Saturday, December 5, 2026, 15:00–17:00 CET · ")
    assert "Embassy of Iran, Berlin" in og["og:description"]
    assert og["og:description"].endswith("Bring candles and photos. We stand together.")
    assert "robots" not in og
    [doc] = _valid(head, app)
    assert doc["name"] == "Vigil for the prisoners"
    assert doc["startDate"] == "2026-12-05T15:00:00+01:00"
    assert doc["endDate"] == "2026-12-05T17:00:00+01:00"
    assert doc["eventStatus"] == "https://schema.org/EventScheduled"
    assert doc["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert doc["url"] == url
    assert doc["organizer"] == {"@type": "Organization", "name": "Friends of Evin", "url": url}
    assert doc["description"] == "Bring candles and photos. We stand together."
    assert doc["location"] == {
        "@type": "Place",
        "name": "Embassy of Iran, Berlin",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Podbielskiallee 65–67, Berlin",
            "addressLocality": "Berlin",
            "addressCountry": "DE",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 52.4609, "longitude": 13.2998},
    }


def test_the_organizer_is_the_public_name_never_the_account(client: FlaskClient) -> None:
    organizer = make_user(display_name="Real Person Name")
    event = make_event(organizer=organizer)  # no "organized by": the site's name
    head = event_head(client, event)
    [doc] = head.documents()
    assert doc["organizer"]["name"] == "Vigil"
    assert "Real Person Name" not in "".join(head.json_ld) + str(head.meta)


def test_the_share_image_is_the_preview_image(app: Flask, client: FlaskClient) -> None:
    event = make_event()
    head = event_head(client, event)
    version = int(event.last_modified_at.timestamp())
    image = f"http://localhost/events/{event.slug}/share.png?v={version}"
    og = head.og()
    assert og["og:image"] == image
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "630")
    assert og["og:image:type"] == "image/png"
    assert "Vigil for the prisoners" in og["og:image:alt"]
    assert og["twitter:card"] == "summary_large_image"
    [doc] = head.documents()
    assert doc["image"] == [image]
    assert client.get(image).status_code == 200


def test_a_changed_event_names_a_new_share_image(client: FlaskClient) -> None:
    # Messengers keep a preview image by its URL: after a change the URL must change.
    event = make_event()
    before = event_head(client, event).og()["og:image"]
    event.last_modified_at += timedelta(minutes=5)
    db.session.commit()
    after = event_head(client, event).og()["og:image"]
    assert before != after
    assert after.split("?")[0] == before.split("?")[0]


def test_a_cancelled_event_says_so(app: Flask, client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer)
    cancel_event(event, reason="Police ban", editor=organizer)
    head = event_head(client, event)
    assert head.og()["og:title"] == "Cancelled: Vigil for the prisoners"
    [doc] = _valid(head, app)
    assert doc["eventStatus"] == "https://schema.org/EventCancelled"
    assert doc["name"] == "Vigil for the prisoners"


def test_a_series_is_one_event_per_date_in_local_time_across_dst(
    app: Flask, client: FlaskClient
) -> None:
    # Berlin moves to summer time on 2027-03-28: 15:00 is +01:00, then +02:00.
    organizer = make_user()
    event = make_series(
        berlin_embassy(),
        organizer=organizer,
        starts_local=datetime(2027, 3, 13, 15, 0),  # noqa: DTZ001 - venue wall time
        repeat_until_on=date(2027, 4, 10),
    )
    cancel_date(event, date(2027, 3, 27), reason="Too cold", editor=organizer)
    documents = _valid(event_head(client, event), app)
    starts = [doc["startDate"] for doc in documents]
    assert starts == [
        "2027-03-13T15:00:00+01:00",
        "2027-03-20T15:00:00+01:00",
        "2027-03-27T15:00:00+01:00",
        "2027-04-03T15:00:00+02:00",
        "2027-04-10T15:00:00+02:00",
    ]
    for doc in documents:
        start = datetime.fromisoformat(doc["startDate"])
        assert start.utcoffset() == start.astimezone(BERLIN).utcoffset()
        assert datetime.fromisoformat(doc["endDate"]) - start == timedelta(hours=2)
    statuses = [doc["eventStatus"].rsplit("/", 1)[1] for doc in documents]
    assert statuses == ["EventScheduled"] * 2 + ["EventCancelled"] + ["EventScheduled"] * 2


def test_a_southern_series_keeps_its_local_time_when_summer_time_ends(
    app: Flask, client: FlaskClient
) -> None:
    # Sydney leaves summer time (+11:00) on 2027-04-04 for +10:00.
    event = make_series(
        sydney_consulate(),
        starts_local=datetime(2027, 3, 28, 18, 30),  # noqa: DTZ001 - venue wall time
        repeat_until_on=date(2027, 4, 11),
    )
    documents = _valid(event_head(client, event), app)
    assert [doc["startDate"] for doc in documents] == [
        "2027-03-28T18:30:00+11:00",
        "2027-04-04T18:30:00+10:00",
        "2027-04-11T18:30:00+10:00",
    ]


def test_a_long_series_lists_only_the_dates_the_page_shows(app: Flask, client: FlaskClient) -> None:
    event = make_series(repeat=Repeat.DAILY, repeat_until_on=date(2027, 1, 20))
    documents = _valid(event_head(client, event), app)
    assert len(documents) == DATES_ON_EVENT_PAGE
    assert documents[0]["startDate"] == "2026-12-05T15:00:00+01:00"


def test_a_place_without_position_or_street_is_still_valid(app: Flask, client: FlaskClient) -> None:
    venue = make_place(name="Town square", address="", latitude=None, longitude=None)
    [doc] = _valid(event_head(client, make_event(venue)), app, geo=False)
    assert "geo" not in doc["location"]
    assert "streetAddress" not in doc["location"]["address"]


def test_persian_page_and_title(app: Flask, client: FlaskClient) -> None:
    event = make_event(title=PERSIAN_TITLE)
    client.set_cookie("lang", "fa")
    response = client.get(f"/events/{event.slug}")
    html = response.get_data(as_text=True)
    head = parse_head(html)
    og = head.og()
    assert og["og:locale"] == "fa_IR"
    assert og["og:title"] == PERSIAN_TITLE
    assert f'content="{PERSIAN_TITLE}"' in html  # as characters, ZWNJ and all
    [doc] = _valid(head, app)
    assert doc["name"] == PERSIAN_TITLE
    assert f'"name":"{PERSIAN_TITLE}"' in head.json_ld[0]
    # The machine-readable times do not change with the language.
    assert doc["startDate"] == "2026-12-05T15:00:00+01:00"


def test_a_hostile_title_stays_inside_its_attribute_and_script(
    app: Flask, client: FlaskClient
) -> None:
    event = make_event(title=HOSTILE_TITLE, description="<script>alert(2)</script>")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    head = parse_head(html)
    # One JSON-LD block, whole: nothing in it closed the element or opened a comment.
    assert len(head.json_ld) == 1
    assert not {"<", ">", "&"} & set(head.json_ld[0])
    types = [script.get("type") for script in head.scripts]
    assert types.count("application/ld+json") == 1
    assert all(script.get("src") for script in head.scripts if script.get("type") is None)
    [doc] = _valid(head, app)
    # The text survives as text; only the bidi controls that could reorder a
    # platform's own text around it are gone.
    clean = (
        "Vigil </script><script>alert(1)</script> <!-- \"quoted\" 'single' "
        "evil isolate & <b>bold</b>"
    )
    assert doc["name"] == clean
    assert head.og()["og:title"] == clean
    assert doc["description"] == "<script>alert(2)</script>"
    for control in "\u202e\u202c\u2066\u2069":
        assert control not in "".join(head.json_ld) + str(head.meta)
    assert "<script>alert(1)" not in html


def test_a_draft_preview_has_no_json_ld_and_is_not_indexed(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer, publish=False)
    response = client.get(f"/events/{event.slug}")
    assert "Draft: only you and admins can see this page." in response.get_data(as_text=True)
    head = parse_head(response.get_data(as_text=True))
    assert head.json_ld == []
    assert head.og() == {"robots": "noindex"}
    client.post("/auth/logout")
