"""The public "organized by" name: chosen per event, never the account's own name."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Venue
from tests.conftest import signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy


def _main(client: FlaskClient, slug: str) -> str:
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def _created(client: FlaskClient, **fields: str) -> Event:
    venue = db.session.scalars(select(Venue)).first() or berlin_embassy()
    response = post_event(client, "/organize/events/new", event_form(venue, **fields))
    assert response.status_code == 303
    db.session.rollback()
    return db.session.scalars(select(Event).order_by(Event.id.desc())).first()  # type: ignore[return-value]


def test_the_account_name_is_never_shown_and_the_site_name_stands_in(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = _created(client)
    main = _main(client, event.slug)
    assert organizer.display_name not in main
    assert "Organized by" in main
    assert "Vigil" in main  # the site's name


def test_the_chosen_name_is_shown_kept_and_editable(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = _created(client, organized_by="  Friends of Evin  ")
    assert event.organized_by == "Friends of Evin"
    main = _main(client, event.slug)
    assert "<bdi>Friends of Evin</bdi>" in main
    assert organizer.display_name not in main
    form = client.get(f"/organize/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Friends of Evin"' in form
    assert "Do not use a real name" in form


def test_a_too_long_or_hostile_name_is_refused_readably(client: FlaskClient) -> None:
    signed_in(client)
    url = "/organize/events/new"
    venue = berlin_embassy()
    response = post_event(client, url, event_form(venue, organized_by="x" * 81))
    assert response.status_code == 422
    assert 'id="organized_by-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Event.id)) is None
    hostile = "<script>alert(1)</script>"
    event = _created(client, organized_by=hostile)
    assert hostile not in _main(client, event.slug)
    assert "&lt;script&gt;" in _main(client, event.slug)
