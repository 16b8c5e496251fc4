"""No English left over: every page, mail and feed of a translated language is translated.

The catalog tests (test_i18n.py) check that each marked string has a translation; this
one checks what visitors get. It renders the main pages, the notice mails and the feeds
in each language but English, and fails if the English text of a catalog string
(app/translations/messages.pot) shows where its translation differs: a string marked
after the catalogs were updated, an unmarked string that was extracted earlier, a
template that prints a value untranslated. Only pieces of at least ``MIN_WORDS`` words
between placeholders count, so names and short words shared by the languages ("OK",
"RSS", "Vigil") give no false alarms.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_babel import force_locale

from app.config import LANGUAGES
from app.extensions import db
from app.models import Event, EventStatus, Repeat
from app.models.rsvp import NoticeKind
from app.rsvp.notices import render_body, subject_for
from tests.conftest import csrf_token, login
from tests.core.test_i18n import TRANSLATIONS, compiled_catalogs  # noqa: F401  (a fixture)
from tests.factories import PASSWORD, berlin_embassy, make_admin, make_event, make_user
from tests.rsvp.pages import post_rsvp

TRANSLATED = [language for language in LANGUAGES if language != "en"]
MIN_WORDS = 3
MIN_CHARS = 12
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd%]")
TAG = re.compile(r"<[^>]*>")
# An iCalendar line continues on the next line after CRLF and one space (RFC 5545 3.1).
ICS_FOLD = re.compile(r"\r?\n[ \t]")


def _normal(text: str) -> str:
    return " ".join(text.split())


@cache
def english_pieces(language: str) -> dict[str, str]:
    """The English pieces (between placeholders) of the catalog's strings that do not
    appear in ``language``'s translations, each with its message id."""
    with (TRANSLATIONS / "messages.pot").open("rb") as pot_file:
        template = read_po(pot_file)
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    translations = " ".join(
        _normal(text)
        for message in catalog
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if text
    )
    pieces: dict[str, str] = {}
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            for piece in PLACEHOLDER.split(text):
                piece = _normal(piece).strip(" .,:;·–-()“”\"'")
                if len(piece.split()) < MIN_WORDS or len(piece) < MIN_CHARS:
                    continue
                if piece in translations:  # kept as it is by the translation (a name)
                    continue
                pieces[piece] = text
    return pieces


def _readable(document: str) -> tuple[str, str]:
    """The document as text, with and without its markup (attributes are read too)."""
    unfolded = ICS_FOLD.sub("", document).replace("\\,", ",").replace("\\;", ";")
    return _normal(html.unescape(unfolded)), _normal(html.unescape(TAG.sub(" ", unfolded)))


def english_in(document: str, language: str) -> list[str]:
    """The message ids whose English shows in ``document``."""
    with_markup, text = _readable(document)
    return sorted(
        {
            message_id
            for piece, message_id in english_pieces(language).items()
            if piece in text or piece in with_markup
        }
    )


# --- what is rendered ------------------------------------------------------------------


def _get(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def _client(app: Flask, language: str, email: str | None = None) -> FlaskClient:
    client = app.test_client()
    if email is not None:
        assert login(client, email, PASSWORD).status_code == 303
    client.set_cookie("lang", language)
    return client


@pytest.fixture
def world(app: Flask) -> SimpleNamespace:
    """An organizer's one-off event, a cancelled series, and an admin."""
    organizer = make_user(email="organizer@example.org", display_name="Organizer Omid")
    admin = make_admin(email="admin@example.org", display_name="Admin Ada")
    venue = berlin_embassy()
    event = make_event(venue, organizer=organizer, description="Bring candles.", capacity=20)
    series = make_event(
        venue,
        organizer=organizer,
        title="Weekly vigil",
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 1, 2),
    )
    cancelled = make_event(venue, organizer=organizer, title="Cancelled rally")
    cancelled.status = EventStatus.CANCELLED
    cancelled.cancel_reason = "The police refused the permit."
    db.session.commit()
    return SimpleNamespace(
        event=event, series=series, cancelled=cancelled, organizer=organizer, admin=admin
    )


def public_pages(world: SimpleNamespace) -> list[str]:
    event, series = world.event, world.series
    return [
        "/",
        "/events",
        "/events?kind=vigil&city=Berlin",
        f"/events/{event.slug}",
        f"/events/{series.slug}",
        f"/events/{series.slug}/dates",
        f"/events/{world.cancelled.slug}",
        "/statement",
        "/map",
        "/share",
        "/embed/events",
        "/auth/login",
        "/rsvp/manage",
        "/rsvp/lost",
        # Not /api/v1/docs: its operations are the OpenAPI document, in English for
        # programmers (only the page around them is translated).
    ]


def organizer_pages(world: SimpleNamespace) -> list[str]:
    event_id = world.event.id
    return [
        "/organize/",
        "/organize/events/new",
        f"/organize/events/{event_id}/edit",
        f"/organize/events/{event_id}/cancel",
        f"/organize/events/{event_id}/rsvps",
        f"/organize/events/{world.series.id}/dates/2026-12-12/cancel",
    ]


ADMIN_PAGES = ["/admin/organizers", "/admin/statement"]


def _rsvp_done(app: Flask, language: str, event: Event) -> str:
    client = _client(app, language)
    response = post_rsvp(client, event, display_name="Sara")
    assert response.status_code == 303, response.get_data(as_text=True)
    return _get(client, response.headers["Location"])


def _mails(event: Event, language: str) -> Iterator[tuple[str, str]]:
    """Every mail: the notices with and without their optional parts, and the account mails."""
    for kind in NoticeKind:
        if kind == NoticeKind.MANAGE_LINK:
            variants: list[dict[str, Any]] = [
                {"manage_url": "https://x/m", "confirm_url": "https://x/c", "waiting": w}
                for w in (False, True)
            ]
        else:
            variants = [
                {"reason": "R", "waiting": False, "several": False},
                {"reason": "", "waiting": True, "several": True},
                {"reason": "", "waiting": True, "several": False},
            ]
        yield kind.name, subject_for(kind, language)
        for extra in variants:
            yield kind.name, render_body(kind, event, language, **extra)
            yield kind.name, render_body(kind, event, language, days=[date(2026, 12, 5)], **extra)
    link = {"event": event, "place": "P", "manage_url": "https://x/m", "confirm_url": "https://x/c"}
    with force_locale(language):
        for template, context in (
            ("mail/new_links.txt", {"links": [link]}),
            ("mail/new_links.txt", {"links": []}),
            ("mail/register_confirm.txt", {"confirm_url": "https://x/c"}),
            ("mail/register_taken.txt", {"login_url": "https://x/l"}),
        ):
            yield template, render_template(template, **context)


# --- the tests -------------------------------------------------------------------------


def test_the_check_finds_english(app: Flask) -> None:
    """The check itself: an English catalog string is found, its translation is not."""
    pieces = english_pieces("fa")
    assert "Rallies and vigils for Iran's political prisoners" in pieces
    assert "OK" not in pieces
    english = _get(_client(app, "en"), "/")
    assert "Rallies and vigils for Iran's political prisoners" in english_in(english, "fa")


@pytest.mark.parametrize("language", TRANSLATED)
def test_public_pages_have_no_english_left(
    app: Flask, world: SimpleNamespace, language: str
) -> None:
    client = _client(app, language)
    found = {path: english_in(_get(client, path), language) for path in public_pages(world)}
    found["/no-such-page"] = english_in(_get(client, "/no-such-page", 404), language)
    found["/rsvp/done"] = english_in(_rsvp_done(app, language, world.event), language)
    assert {path: ids for path, ids in found.items() if ids} == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_organizer_and_admin_pages_have_no_english_left(
    app: Flask, world: SimpleNamespace, language: str
) -> None:
    _rsvp_done(app, language, world.event)  # the RSVP list has a row
    organizer = _client(app, language, world.organizer.email)
    found = {path: english_in(_get(organizer, path), language) for path in organizer_pages(world)}
    admin = _client(app, language, world.admin.email)
    found |= {path: english_in(_get(admin, path), language) for path in ADMIN_PAGES}
    # A form sent back with its errors.
    token = csrf_token(organizer, "/organize/events/new")
    response = organizer.post("/organize/events/new", data={"csrf_token": token})
    found["/organize/events/new (errors)"] = english_in(response.get_data(as_text=True), language)
    assert {path: ids for path, ids in found.items() if ids} == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_mails_have_no_english_left(app: Flask, world: SimpleNamespace, language: str) -> None:
    with app.test_request_context():
        found = {
            (name, index): english_in(text, language)
            for index, (name, text) in enumerate(_mails(world.series, language))
        }
    assert {key: ids for key, ids in found.items() if ids} == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_feeds_have_no_english_left(app: Flask, world: SimpleNamespace, language: str) -> None:
    """Feed names and entry prefixes ("CANCELLED: ", "When: ") in the page language."""
    client = _client(app, language)
    paths = ["/events.rss", "/events.atom", "/calendar.ics", f"/events/{world.event.slug}.ics"]
    found = {path: english_in(_get(client, path), language) for path in paths}
    assert {path: ids for path, ids in found.items() if ids} == {}
