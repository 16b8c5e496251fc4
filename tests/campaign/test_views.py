"""The home page with the pinned statement and upcoming events, and /statement."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import PROJECT_ROOT
from app.campaign.services import load_statement_if_missing
from app.clock import now_utc
from app.extensions import db
from app.models import Event, Venue
from tests.campaign.test_markdown import elements
from tests.factories import berlin_embassy, make_event, make_statement

STATEMENT_FILE = PROJECT_ROOT / "data" / "statement.md"
FIRST_WORDS = "For more than three weeks, the world has seen a new face of Iran."
LATER_PARAGRAPH = "As in previous uprisings, the Islamic regime is trying to intimidate"


@pytest.fixture
def loaded(app: Flask) -> None:
    load_statement_if_missing(STATEMENT_FILE)
    db.session.commit()


def _event(title: str, venue: Venue, starts_in: timedelta, *, publish: bool = True) -> Event:
    """A two-hour event that starts ``starts_in`` from now (negative: it has started)."""
    local = (now_utc() + starts_in).astimezone(ZoneInfo(venue.timezone)).replace(tzinfo=None)
    return make_event(venue, title=title, starts_local=local, publish=publish)


def test_home_shows_pinned_statement_teaser(client: FlaskClient, loaded: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "So That the “Woman, Life, Freedom” Movement Does Not Die!" in page
    assert "from a group of Iranian activists in exile and former political prisoners" in page
    assert FIRST_WORDS in page
    assert "continue to take to the streets." in page  # the end of the first paragraph
    assert LATER_PARAGRAPH not in page
    assert 'href="/statement"' in page


def test_home_lists_upcoming_events_soonest_first(client: FlaskClient, loaded: None) -> None:
    venue = berlin_embassy()
    _event("Later vigil", venue, timedelta(days=9))
    _event("Sooner rally", venue, timedelta(days=2))
    _event("Hidden draft", venue, timedelta(days=1), publish=False)
    _event("Past rally", venue, timedelta(days=-3))
    page = client.get("/").get_data(as_text=True)
    # A search near the visitor and the next events come before the statement's opening
    # in the source, so in reading and tab order too (a phone shows them first).
    search = page.index('<form method="get" action="/events" class="near-me"')
    teaser = page.index('class="statement-teaser"')
    assert search < page.index("Sooner rally") < page.index("Later vigil") < teaser
    assert page.index(FIRST_WORDS, teaser)
    assert "Hidden draft" not in page
    assert "Past rally" not in page


def test_home_without_statement_is_neutral(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/statement"' in response.get_data(as_text=True)  # only the navigation link
    assert "Read the full statement" not in response.get_data(as_text=True)


def test_statement_page_shows_full_text(client: FlaskClient, loaded: None) -> None:
    response = client.get("/statement")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1" in page
    assert "So That the “Woman, Life, Freedom” Movement Does Not Die!" in page
    assert "A call for solidarity with the political prisoners of the Iranian regime" in page
    assert f"<p>{FIRST_WORDS}" in page
    assert f"<p>{LATER_PARAGRAPH}" in page
    assert "<p>Long live international solidarity!</p>" in page
    assert page.count("<p>") >= 7


def test_statement_page_without_statement_is_neutral(client: FlaskClient) -> None:
    response = client.get("/statement")
    assert response.status_code == 200
    assert "No statement has been published yet." in response.get_data(as_text=True)


def assert_inert(page: str) -> None:
    """No element or attribute in ``page`` that could run script or load a third party."""
    for tag, attrs in elements(page):
        assert tag not in {"img", "iframe", "object", "embed", "svg"}
        names = dict(attrs)
        if tag == "script":
            assert (names.get("src") or "").startswith("/static/")
        for name, value in attrs:
            assert not name.startswith("on")
            assert name != "style"
            if name in {"href", "src", "action"}:
                assert not (value or "").strip().lower().startswith(("javascript", "data"))


HOSTILE_BODY = (
    "Opening <script>alert('body')</script> words.\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    '[click me](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a>\n\n'
    '<iframe src="https://evil.example"></iframe>'
)


def test_hostile_statement_is_neutralised_everywhere(client: FlaskClient, app: Flask) -> None:
    make_statement(
        title="<script>alert('title')</script>",
        subtitle="<b onmouseover=alert(1)>sub</b>",
        byline="<img src=x onerror=alert(2)>",
        body=HOSTILE_BODY,
    )
    for url in ("/", "/statement"):
        page = client.get(url).get_data(as_text=True)
        assert_inert(page)
        assert "&lt;script&gt;alert(" in page  # shown as text, not dropped silently
    page = client.get("/statement").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "[click me](javascript:alert(1))" in page
