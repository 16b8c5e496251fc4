"""The event page is cached for anonymous visitors, and its RSVP form still needs a token.

The page a rush opens is the same HTML for everyone, so its form carries no CSRF
token; the visitor's comes from /rsvp/token (what js/rsvp-token.js fetches), or the
form comes back once with it. Its counts follow RSVPs at once.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import httpcache
from app.extensions import cache
from tests.conftest import signed_in, sql_statements
from tests.factories import make_event, make_rsvp
from tests.rsvp.pages import post_rsvp, rsvp_count, rsvp_form

_FILLED_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_the_page_is_served_from_the_cache_without_sql_or_cookie(app: Flask) -> None:
    url = f"/events/{make_event().slug}"
    visitor = app.test_client()
    first = visitor.get(url)
    assert 'data-token-url="/rsvp/token"' in _text(first)
    assert _FILLED_TOKEN.search(_text(first)) is None  # nobody's token in shared HTML
    assert "Set-Cookie" not in first.headers
    with sql_statements() as statements:
        # A messenger's tracking argument gets the same page, from the same entry.
        second = visitor.get(f"{url}?fbclid=Iw4R")
    assert statements == []
    assert second.data == first.data
    assert "Set-Cookie" not in second.headers


def test_the_token_route_gives_a_token_for_this_visitor_only(app: Flask) -> None:
    event = make_event()
    visitor = app.test_client()
    answer = visitor.get("/rsvp/token")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" in answer.headers
    token = answer.get_json()["csrf_token"]
    sent = visitor.post(f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": token})
    assert sent.status_code == 303
    stranger = app.test_client()
    stranger.get("/rsvp/token")
    refused = stranger.post(f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": token})
    assert refused.status_code == 400
    assert rsvp_count() == 1


def test_a_form_sent_without_a_token_comes_back_with_one_and_then_works(app: Flask) -> None:
    event = make_event()
    visitor = app.test_client()
    typed = rsvp_form(display_name="Shirin <b>", party_size="2")
    first = visitor.post(f"/events/{event.slug}/rsvp", data=typed)
    page = _text(first)
    assert first.status_code == 400
    assert "Your RSVP is not recorded yet." in page
    assert 'value="Shirin &lt;b&gt;"' in page  # what was typed is kept, inert
    assert rsvp_count() == 0
    token = _FILLED_TOKEN.search(page)
    assert token is not None
    again = visitor.post(f"/events/{event.slug}/rsvp", data={**typed, "csrf_token": token[1]})
    assert again.status_code == 303
    assert rsvp_count() == 1


def test_counts_on_the_cached_page_follow_rsvps_at_once(app: Flask, client: FlaskClient) -> None:
    event = make_event(capacity=10)
    visitor = app.test_client()
    assert "No one has said they are going yet." in _text(visitor.get(f"/events/{event.slug}"))
    generation = httpcache.current_generation()
    assert post_rsvp(client, event, party_size="3").status_code == 303
    assert "3 people are going." in _text(visitor.get(f"/events/{event.slug}"))
    make_rsvp(event, party_size=2)
    assert "5 people are going." in _text(visitor.get(f"/events/{event.slug}"))
    # RSVPs renew only the live pages: the list and the feeds keep their cache.
    assert httpcache.current_generation() == generation


def test_other_workers_show_new_counts_within_a_second(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event(capacity=10)
    visitor = app.test_client()
    visitor.get(f"/events/{event.slug}")
    make_rsvp(event, party_size=4)
    # Here, in another worker: it has not seen the RSVP's new live generation yet.
    known = app.extensions["vigil_generation"][httpcache.LIVE_GENERATION_KEY]
    stale = known.value
    cache.set(httpcache.LIVE_GENERATION_KEY, "from-another-worker", timeout=0)
    known.value = stale
    later = known.checked_at + httpcache.GENERATION_RECHECK + 0.1
    monkeypatch.setattr(httpcache.time, "monotonic", lambda: later)
    assert "4 people are going." in _text(visitor.get(f"/events/{event.slug}"))
    assert known.value == "from-another-worker"


def test_a_draft_seen_by_its_organizer_is_never_served_to_others(app: Flask) -> None:
    owner = app.test_client()
    organizer = signed_in(owner)
    draft = make_event(organizer=organizer, publish=False, title="Not yet public")
    assert "Not yet public" in _text(owner.get(f"/events/{draft.slug}"))
    assert app.test_client().get(f"/events/{draft.slug}").status_code == 404
