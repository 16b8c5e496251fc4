"""GET /events/<slug>/share.png: the event's link-preview image.

1200×630, in the page language with Persian shaped and set right to left, drawn once
per data change and language, and answered with ETag/304 like every cached document.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import ImageFont

import app.posters.documents
from app.events.services import cancel_event, update_event
from app.extensions import db
from app.models import Event
from app.posters import render
from app.posters.documents import sheet
from app.posters.render import MARGIN, WIDTH, Sheet, share_png
from tests.conftest import login
from tests.factories import PASSWORD, event_input, make_event, make_place, make_user
from tests.posters.reading import PERSIAN, PERSIAN_TITLE, image, ink_box


@pytest.fixture
def event(app: Flask) -> Event:
    return make_event(make_place(name="Parc", city="Paris", country_code="FR"), title="Vigil")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The language of each share image drawn."""
    drawn: list[str] = []

    def counting(found: Sheet, layout: ImageFont.Layout | None = None) -> bytes:
        drawn.append(found.language)
        return share_png(found, layout)

    monkeypatch.setattr(app.posters.documents, "share_png", counting)
    return drawn


def _url(event: Event) -> str:
    return f"/events/{event.slug}/share.png"


def test_a_1200_by_630_png_that_is_not_blank(client: FlaskClient, event: Event) -> None:
    response = client.get(_url(event))

    assert response.status_code == 200
    assert response.content_type == "image/png"
    picture = image(response.data)
    assert picture.size == (1200, 630)
    colours = picture.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is not None
    # Background, white text and its anti-aliased edges: many shades, much of them ink.
    assert len(colours) > 20
    inked = sum(count for count, colour in colours if colour != render.BACKGROUND)
    assert inked > 0.02 * 1200 * 630


def test_the_image_says_what_the_sheet_says(app: Flask, client: FlaskClient, event: Event) -> None:
    body = client.get(_url(event)).data
    with app.test_request_context():
        found = sheet(db.session.get(Event, event.id))  # type: ignore[arg-type]
    assert found.title == "Vigil"
    assert found.when == ["Saturday, December 5, 2026, 15:00–17:00 CET"]
    assert found.place == "Parc, Paris, France"  # each part once
    assert found.site_name == "Vigil"
    assert body == share_png(found)
    # Another title draws another image.
    assert body != share_png(Sheet(**{**found.__dict__, "title": "Rally"}))


def test_text_starts_on_the_side_of_the_page_language(client: FlaskClient, event: Event) -> None:
    english = ink_box(image(client.get(_url(event)).data), bottom=480)
    persian = ink_box(image(client.get(_url(event), headers=PERSIAN).data), bottom=480)

    # English: from the left margin, well short of the right one; Persian: the mirror image.
    assert abs(english[0] - MARGIN) <= 8
    assert english[2] < WIDTH - MARGIN - 150
    assert abs(persian[2] - (WIDTH - MARGIN)) <= 8
    assert persian[0] > MARGIN + 150


def _persian_sheet(app: Flask, event_id: int) -> Sheet:
    """The sheet as a Persian request sees it (in a context of its own, as a request)."""

    def build() -> Sheet:
        with app.test_request_context(headers=PERSIAN):
            found = db.session.get(Event, event_id)
            assert found is not None
            return sheet(found)

    return contextvars.Context().run(build)


def test_a_persian_title_is_shaped(app: Flask, client: FlaskClient, event: Event) -> None:
    event.title = PERSIAN_TITLE
    db.session.commit()
    body = client.get(_url(event), headers=PERSIAN).data
    found = _persian_sheet(app, event.id)

    assert found.title == PERSIAN_TITLE
    assert found.rtl
    assert render.layout_engine() == ImageFont.Layout.RAQM
    # The served image is the shaped one (HarfBuzz through libraqm), not letters drawn one
    # by one in their isolated forms from left to right.
    assert body == share_png(found, ImageFont.Layout.RAQM)
    assert body != share_png(found, ImageFont.Layout.BASIC)
    # Shaping joins the letters: a run of beh is narrower than the same letters isolated.
    shaped = ImageFont.truetype(str(render.BOLD), 72, layout_engine=ImageFont.Layout.RAQM)
    isolated = ImageFont.truetype(str(render.BOLD), 72, layout_engine=ImageFont.Layout.BASIC)
    assert shaped.getlength("ببببب", direction="rtl") < 0.8 * isolated.getlength("ببببب")


def test_without_raqm_the_image_is_drawn_with_one_warning(
    client: FlaskClient, event: Event, monkeypatch: pytest.MonkeyPatch, app_logs: Any
) -> None:
    event.title = PERSIAN_TITLE
    db.session.commit()
    monkeypatch.setattr(render.features, "check", lambda feature: False)
    render.layout_engine.cache_clear()
    try:
        first = client.get(_url(event), headers=PERSIAN)
        second = client.get(_url(event))
        assert render.layout_engine() == ImageFont.Layout.BASIC
    finally:
        render.layout_engine.cache_clear()
    assert first.status_code == second.status_code == 200
    assert image(first.data).size == (1200, 630)
    warnings = [r for r in app_logs.records if "libraqm" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


# --- caching -------------------------------------------------------------------------------


def test_etag_304_and_head(client: FlaskClient, event: Event) -> None:
    response = client.get(_url(event))
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert etag.strip('"') == hashlib.sha256(response.data).hexdigest()
    assert "max-age=" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert "Accept-Language" in response.vary

    again = client.get(_url(event), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    weak = client.get(_url(event), headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304

    head = client.head(_url(event))
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == etag
    assert head.headers["Content-Length"] == str(len(response.data))


def test_drawn_once_per_change_and_language(
    client: FlaskClient, event: Event, builds: list[str]
) -> None:
    first = client.get(_url(event))
    assert client.get(_url(event)).data == first.data
    cached = client.get(_url(event), headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    assert client.head(_url(event)).status_code == 200
    assert builds == ["en"]

    persian = client.get(_url(event), headers=PERSIAN)
    client.get(_url(event), headers=PERSIAN)
    assert persian.headers["ETag"] != first.headers["ETag"]
    assert builds == ["en", "fa"]

    update_event(event, data=event_input(event, title="Vigil, new title"), editor=event.organizer)
    db.session.commit()
    changed = client.get(_url(event), headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    client.get(_url(event))
    assert builds == ["en", "fa", "en"]


def test_a_cancelled_event_says_so(client: FlaskClient, event: Event) -> None:
    before = client.get(_url(event)).data
    cancel_event(event, reason="Weather", editor=event.organizer)
    db.session.commit()
    after = client.get(_url(event))
    assert after.status_code == 200
    assert after.data != before
    # The red banner across the top.
    assert image(after.data).convert("RGB").getpixel((WIDTH // 2, MARGIN)) == render.BANNER


# --- who gets one ------------------------------------------------------------------------


def test_drafts_and_unknown_events_are_404(app: Flask, client: FlaskClient) -> None:
    organizer = make_user()
    draft = make_event(organizer=organizer, publish=False)
    assert client.get(f"/events/{draft.slug}/share.png").status_code == 404
    # Not even for its organizer: the answer is cached for everyone.
    assert login(client, organizer.email, PASSWORD).status_code == 303
    assert client.get(f"/events/{draft.slug}").status_code == 200
    assert client.get(f"/events/{draft.slug}/share.png").status_code == 404
    for slug in ("no-such-event", "x" * 300, "bad%00slug", "%E2%80%AEgnp"):
        assert client.get(f"/events/{slug}/share.png").status_code == 404, slug


def test_a_published_event_unpublished_is_404_at_once(client: FlaskClient, event: Event) -> None:
    assert client.get(_url(event)).status_code == 200
    update_event(event, data=event_input(event, publish=False), editor=event.organizer)
    db.session.commit()
    assert client.get(_url(event)).status_code == 404


HOSTILE_TITLES = [
    "W" * 140,  # one word as long as a title may be: wider than three lines
    "Vigil " * 23,  # many words
    "\u202eVigil\u202c for \u2067the\u2069 prisoners",  # bidi overrides and isolates
    "Vigil 🕯️🇮🇷✊🏽 for the prisoners 👩‍👩‍👧",  # emoji the font does not have
    "🕯️🕯️🕯️",  # nothing the font can draw
    "زن زندگی آزادی Woman Life Freedom ۱۴۰۱",  # mixed directions
    "\u0651\u064e" * 40,  # combining marks with nothing to combine with
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_are_drawn(client: FlaskClient, event: Event, title: str) -> None:
    # Set directly: the event form refuses controls, but data may come from elsewhere.
    event.title = title[:140]
    db.session.commit()
    for headers in ({}, PERSIAN):
        response = client.get(_url(event), headers=headers)
        assert response.status_code == 200, title
        assert image(response.data).size == (1200, 630)


def test_nul_and_controls_in_a_title_are_drawn() -> None:
    # PostgreSQL cannot even store NUL, so this is checked on the drawing itself.
    hostile = Sheet(
        title=render.printable("Vigil\x00\x1b[31m\x7f\u202e" + "x" * 3000),
        banner="",
        when=[render.printable("Saturday\x00")],
        place=render.printable("\x00"),
        safety="",
        site_name="Vigil",
        url="http://localhost/events/x",
        language="en",
        rtl=False,
    )
    assert "\x00" not in hostile.title
    assert image(share_png(hostile)).size == (1200, 630)
