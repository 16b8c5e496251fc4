"""The event page links to its posters (app.posters.panels); drafts have none."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.factories import PASSWORD, make_event, make_user
from tests.posters.reading import page_size


def _poster_links(page: str) -> dict[str, str]:
    """Each poster link's text by its URL."""
    found = re.findall(r'<a href="([^"]*/poster\.pdf[^"]*)">([^<]*)</a>', page)
    return {url.replace("&amp;", "&"): text for url, text in found}


def test_the_event_page_links_to_both_posters(app: Flask, client: FlaskClient) -> None:
    event = make_event()
    links = _poster_links(client.get(f"/events/{event.slug}").get_data(as_text=True))

    assert links == {
        f"/events/{event.slug}/poster.pdf?size=a4": "Print a poster (A4)",
        f"/events/{event.slug}/poster.pdf?size=letter": "(US Letter)",
    }
    # Each link is a poster of its size.
    sizes = {page_size(client.get(url).data) for url in links}
    assert sizes == {(595.3, 841.9), (612.0, 792.0)}


def test_a_draft_page_offers_no_poster(app: Flask, client: FlaskClient) -> None:
    organizer = make_user()
    draft = make_event(organizer=organizer, publish=False)
    assert login(client, organizer.email, PASSWORD).status_code == 303
    page = client.get(f"/events/{draft.slug}")
    assert page.status_code == 200
    assert "Draft" in page.get_data(as_text=True)
    assert _poster_links(page.get_data(as_text=True)) == {}
