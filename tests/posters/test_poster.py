"""GET /events/<slug>/poster.pdf: a printable poster with a QR code.

Read back as a printer and a phone would: page size, text layer (pypdf), and the QR
code decoded from the rendered page (pypdfium2 + zxing-cpp), which must lead to the
event page on VIGIL_BASE_URL whatever host the request named.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pypdfium2
import pytest
from flask import Flask
from flask.testing import FlaskClient

import app.posters.documents
from app import clock
from app.events.services import update_event
from app.extensions import db
from app.httpcache import new_generation
from app.models import Event
from app.posters import render
from app.posters.render import Sheet, poster_pdf, printable
from tests.conftest import login
from tests.factories import PASSWORD, event_input, make_event, make_place, make_series, make_user
from tests.posters.reading import PERSIAN, PERSIAN_TITLE, page_size, pdf_text, qr_codes

A4 = (595.3, 841.9)  # points: 210 × 297 mm
LETTER = (612.0, 792.0)  # 8.5 × 11 in
SITE = "https://vigil.example.org"


@pytest.fixture
def event(app: Flask) -> Event:
    return make_event(make_place(), title="Vigil for the prisoners of Evin")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The language and size of each poster drawn."""
    drawn: list[tuple[str, str]] = []

    def counting(found: Sheet, size: str, created: datetime) -> bytes:
        drawn.append((found.language, size))
        return poster_pdf(found, size, created)

    monkeypatch.setattr(app.posters.documents, "poster_pdf", counting)
    return drawn


def _url(event: Event, query: str = "") -> str:
    return f"/events/{event.slug}/poster.pdf{query}"


# --- paper ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "size", "name"),
    [("", A4, "a4"), ("?size=a4", A4, "a4"), ("?size=letter", LETTER, "letter")],
)
def test_page_sizes(
    client: FlaskClient, event: Event, query: str, size: tuple[float, float], name: str
) -> None:
    response = client.get(_url(event, query))

    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert page_size(response.data) == size
    assert response.headers["Content-Disposition"] == f'inline; filename="{event.slug}-{name}.pdf"'


@pytest.mark.parametrize("size", ["A4", "a3", "legal", "letter ", "1", "a4,letter"])
def test_another_size_is_a_readable_400(client: FlaskClient, event: Event, size: str) -> None:
    response = client.get(_url(event), query_string={"size": size})
    assert response.status_code == 400
    assert "size=a4 or size=letter" in response.get_data(as_text=True)


def test_two_sizes_in_the_query_use_the_first(client: FlaskClient, event: Event) -> None:
    response = client.get(_url(event, "?size=letter&size=a4"))
    assert page_size(response.data) == LETTER


# --- what it says ------------------------------------------------------------------------


def test_the_text_layer(client: FlaskClient, event: Event) -> None:
    text = pdf_text(client.get(_url(event)).data)
    flat = re.sub(r"\s+", " ", text)

    assert "Vigil for the prisoners of Evin" in flat
    assert "Saturday, December 5, 2026, 15:00–17:00 CET" in flat
    assert "Brandenburger Tor, Berlin, Germany" in flat  # each part once
    assert "You may be filmed." in flat
    assert f"http://localhost/events/{event.slug}" in flat
    assert flat.startswith("Vigil ")  # the site's name in the top band


def test_a_series_says_until_when(client: FlaskClient) -> None:
    series = make_series(make_place(), title="Weekly vigil")
    flat = re.sub(r"\s+", " ", pdf_text(client.get(_url(series, "?size=letter")).data))
    assert "Saturday, December 5, 2026, 15:00–17:00 CET" in flat
    assert "Every week until Jan 2, 2027" in flat


def test_a_series_under_way_shows_its_next_date_not_its_first(client: FlaskClient) -> None:
    series = make_series()  # Saturdays from 5 December 2026, 15:00 in Berlin
    clock.freeze(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))  # the first one is over
    flat = re.sub(r"\s+", " ", pdf_text(client.get(_url(series)).data))
    assert "December 12, 2026" in flat
    assert "December 5, 2026" not in flat


def test_the_qr_code_leads_to_the_event_page(client: FlaskClient, event: Event) -> None:
    for query in ("?size=a4", "?size=letter"):
        body = client.get(_url(event, query)).data
        assert qr_codes(body) == [f"http://localhost/events/{event.slug}"]


def test_a_persian_poster(client: FlaskClient, event: Event) -> None:
    event.title = PERSIAN_TITLE
    db.session.commit()
    response = client.get(_url(event), headers=PERSIAN)

    assert response.status_code == 200
    assert page_size(response.data) == A4
    text = pdf_text(response.data)
    # Persian words in the text layer: shaped glyphs mapped back to their letters.
    assert re.search("[\u0600-\u06ff]{3}", text)
    for word in ("زندانیان", "سیاسی"):
        assert word in text
    assert qr_codes(response.data) == [f"http://localhost/events/{event.slug}"]


def test_persian_lines_are_set_right_to_left(client: FlaskClient, event: Event) -> None:
    event.title = PERSIAN_TITLE
    db.session.commit()
    persian = _title_position(client.get(_url(event), headers=PERSIAN).data, "زندانیان")
    event.title = "Vigil for the prisoners"
    db.session.commit()
    english = _title_position(client.get(_url(event)).data, "prisoners")
    # Each title sits against the margin of its page's start side.
    assert english[0] < 60
    assert persian[1] > A4[0] - 60


def _title_position(body: bytes, word: str) -> tuple[float, float]:
    """Leftmost and rightmost x (points) of the characters of the line holding ``word``."""
    document = pypdfium2.PdfDocument(body)
    try:
        page = document[0]
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count)
        start = text.find(word)
        if start < 0:  # RTL text may be stored in visual order
            start = text.find(word[::-1])
        assert start >= 0, text
        line_end = text.find("\n", start)
        line_start = text.rfind("\n", 0, start) + 1
        boxes = [textpage.get_charbox(i) for i in range(line_start, line_end)]
        lefts = [box[0] for box in boxes if box[2] > box[0]]
        rights = [box[2] for box in boxes if box[2] > box[0]]
        textpage.close()
        page.close()
    finally:
        document.close()
    return min(lefts), max(rights)


# --- the address on the QR code is the site's ---------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"BASE_URL": SITE}])
def test_the_qr_code_uses_the_base_url_not_the_request(client: FlaskClient, event: Event) -> None:
    # The site's host reached over plain HTTP on another port (TLS ended before, say).
    response = client.get(_url(event), base_url="http://vigil.example.org:8000")
    assert response.status_code == 200
    assert qr_codes(response.data) == [f"{SITE}/events/{event.slug}"]
    assert f"{SITE}/events/{event.slug}" in pdf_text(response.data)


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_a_forged_host_gets_nothing_and_poisons_nothing(client: FlaskClient, event: Event) -> None:
    evil = "evil.example"
    assert client.get(_url(event), headers={"Host": evil}).status_code == 400
    forwarded = client.get(_url(event), headers={"X-Forwarded-Host": evil})
    assert forwarded.status_code == 200
    for body in (forwarded.data, client.get(_url(event)).data):
        assert qr_codes(body) == [f"http://localhost/events/{event.slug}"]
        assert evil not in pdf_text(body)
        assert evil.encode() not in body


# --- caching -------------------------------------------------------------------------------


def test_etag_304_and_head(client: FlaskClient, event: Event) -> None:
    response = client.get(_url(event, "?size=letter"))
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert "Accept-Language" in response.vary
    again = client.get(_url(event, "?size=letter"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    head = client.head(_url(event, "?size=letter"))
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == etag
    assert head.headers["Content-Length"] == str(len(response.data))
    # A4 is another document.
    assert client.get(_url(event), headers={"If-None-Match": etag}).status_code == 200


def test_drawn_once_per_change_size_and_language(
    client: FlaskClient, event: Event, builds: list[tuple[str, str]]
) -> None:
    first = client.get(_url(event))
    for query in ("", "?size=a4", "?size=a4&junk=1"):
        assert client.get(_url(event, query)).data == first.data
    client.get(_url(event, "?size=letter"))
    client.get(_url(event, "?size=letter"), headers=PERSIAN)
    client.get(_url(event, "?size=letter"), headers=PERSIAN)
    assert builds == [("en", "a4"), ("en", "letter"), ("fa", "letter")]

    update_event(event, data=event_input(event, title="New title"), editor=event.organizer)
    db.session.commit()
    changed = client.get(_url(event), headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "New title" in pdf_text(changed.data)
    assert builds[-1] == ("en", "a4")
    assert len(builds) == 4


def test_the_same_event_gives_the_same_file(client: FlaskClient, event: Event) -> None:
    first = client.get(_url(event)).data
    new_generation()  # a change elsewhere: drawn again, byte for byte the same
    assert client.get(_url(event)).data == first


# --- who gets one ------------------------------------------------------------------------


def test_drafts_and_unknown_events_are_404(client: FlaskClient) -> None:
    organizer = make_user()
    draft = make_event(organizer=organizer, publish=False)
    # Not even for its organizer, who can see the page: the answer is cached for everyone.
    assert login(client, organizer.email, PASSWORD).status_code == 303
    assert client.get(f"/events/{draft.slug}").status_code == 200
    for query in ("", "?size=letter"):
        assert client.get(_url(draft, query)).status_code == 404
    assert client.get("/events/no-such-event/poster.pdf").status_code == 404
    # The size is checked first: a bad one says nothing about whether the event exists.
    assert client.get(_url(draft, "?size=bad")).status_code == 400
    assert client.get("/events/no-such-event/poster.pdf?size=bad").status_code == 400
    assert client.get(f"/events/{'x' * 300}/poster.pdf").status_code == 404


HOSTILE_TITLES = [
    "W" * 140,
    "Vigil " * 23,
    "\u202eVigil\u202c for \u2067the\u2069 prisoners",
    "Vigil 🕯️🇮🇷✊🏽 for the prisoners 👩‍👩‍👧",
    "🕯️🕯️🕯️",
    "زن زندگی آزادی Woman Life Freedom ۱۴۰۱",
    "\u0651\u064e" * 40,
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_make_a_poster(client: FlaskClient, event: Event, title: str) -> None:
    event.title = title[:140]
    db.session.commit()
    for headers in ({}, PERSIAN):
        response = client.get(_url(event), headers=headers)
        assert response.status_code == 200, title
        assert len(pdf_text(response.data)) > 0
        assert "\u202e" not in pdf_text(response.data)
        assert qr_codes(response.data) == [f"http://localhost/events/{event.slug}"]


def test_nul_and_controls_in_a_poster() -> None:
    # PostgreSQL cannot store NUL, so this is checked on the drawing itself.
    hostile = Sheet(
        title=printable("Vigil\x00\x1b[31m\x7f\u202e" + "x" * 3000),
        banner="",
        when=[printable("Saturday\x00")],
        place=printable("\x00"),
        safety="",
        site_name="Vigil",
        url="http://localhost/events/x",
        language="en",
        rtl=False,
    )
    body = poster_pdf(hostile, "letter", datetime(2026, 1, 1, tzinfo=UTC))
    assert page_size(body) == LETTER
    assert "Vigil" in pdf_text(body)


def test_a_long_cancelled_series_leaves_the_qr_code_clear() -> None:
    crowded = Sheet(
        title="Vigil for the political prisoners of Iran: free Narges Mohammadi and "
        "Toomaj Salehi now",
        banner="This event is cancelled.",
        when=["Saturday, December 5, 2026, 15:00–17:00 CET", "Every week until Jan 2, 2027"],
        place="Consulate General of the Islamic Republic of Iran, 3 Eastbourne Road, "
        "Darling Point, Sydney, New South Wales, Australia, opposite the park by the harbour",
        safety="You may be filmed. Think about covering your face; do not post others' faces.",
        site_name="Vigil",
        url="http://localhost/events/vigil-for-the-prisoners-d5b211019fa1c2f4",
        language="en",
        rtl=False,
    )
    for size in ("a4", "letter"):
        body = poster_pdf(crowded, size, datetime(2026, 1, 1, tzinfo=UTC))
        assert qr_codes(body) == [crowded.url]
        # No character on the band of the page the QR code takes (PDF y runs upwards).
        points_per_mm = 72 / 25.4
        low = (render.PAGE_MARGIN + 27) * points_per_mm
        high = low + render.QR_SIDE * points_per_mm
        document = pypdfium2.PdfDocument(body)
        try:
            textpage = document[0].get_textpage()
            boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
            textpage.close()
        finally:
            document.close()
        inked = [box for box in boxes if box[2] > box[0]]
        assert len(inked) > 200
        assert all(box[3] < low or box[1] > high for box in inked), size
