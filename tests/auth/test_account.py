"""The organizer's account page: a private name and e-mail, an optional public name.

The public name is what new events offer as "organized by"; it is never required,
and without it the site's name stands in.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Event, User
from tests.conftest import csrf_token, signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, make_event

ACCOUNT = "/organize/account/"


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _public_name(user: User) -> str | None:
    db.session.expire_all()
    return db.session.get_one(User, user.id).public_name


def _set(client: FlaskClient, name: str, **extra: Any) -> Any:
    return post_event(client, ACCOUNT, {"public_name": name, **extra})


def test_the_account_page_shows_the_private_name_and_warns_about_the_public_one(
    client: FlaskClient,
) -> None:
    user = signed_in(client, display_name="Maryam Rahimi")
    listing = client.get("/organize/").get_data(as_text=True)
    assert f'href="{ACCOUNT}"' in listing
    page = _main(client.get(ACCOUNT).get_data(as_text=True))
    assert "<bdi>Maryam Rahimi</bdi>" in page
    assert f"<bdi>{user.email}</bdi>" in page
    assert "shown to everyone on your events" in page
    assert "Do not use your real name" in page
    assert 'value=""' in page  # none set yet


def test_a_public_name_is_saved_and_offered_for_new_events_only(client: FlaskClient) -> None:
    user = signed_in(client, display_name="Maryam Rahimi")
    venue = berlin_embassy()
    older = make_event(venue, organizer=user)
    response = _set(client, "  Friends of Evin  ")
    assert response.status_code == 303
    assert response.headers["Location"] == ACCOUNT
    assert "Your public name is saved." in client.get(ACCOUNT).get_data(as_text=True)
    assert _public_name(user) == "Friends of Evin"

    form = client.get("/organize/events/new").get_data(as_text=True)
    assert 'name="organized_by" type="text" value="Friends of Evin"' in form
    # An event made before keeps what it had (the site's name).
    edit = client.get(f"/organize/events/{older.id}/edit").get_data(as_text=True)
    assert 'name="organized_by" type="text" value=""' in edit

    # The organizer may still change it or clear it for one event.
    post_event(client, "/organize/events/new", event_form(venue, organized_by=""))
    db.session.expire_all()
    newest = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert newest is not None
    assert newest.organized_by is None
    page = _main(client.get(f"/events/{newest.slug}").get_data(as_text=True))
    assert "Maryam Rahimi" not in page

    # Cleared on the account page: new events offer nothing again.
    assert _set(client, "").status_code == 303
    assert _public_name(user) is None
    form = client.get("/organize/events/new").get_data(as_text=True)
    assert 'name="organized_by" type="text" value=""' in form


def test_publishing_needs_no_public_name(client: FlaskClient) -> None:
    user = signed_in(client, display_name="Maryam Rahimi")
    response = post_event(client, "/organize/events/new", event_form(berlin_embassy()))
    assert response.status_code == 303
    page = _main(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Organized by" in page
    assert "Vigil" in page  # the site's name
    assert user.display_name not in page


def test_a_too_long_public_name_is_refused_and_nothing_changes(client: FlaskClient) -> None:
    user = signed_in(client)
    _set(client, "Night watch")
    response = _set(client, "x" * 81)
    assert response.status_code == 422
    assert 'id="public_name-error"' in response.get_data(as_text=True)
    assert _public_name(user) == "Night watch"
    # Bidi overrides and control characters are refused too.
    assert _set(client, "abc\u202edef").status_code == 422
    assert _public_name(user) == "Night watch"


def test_a_hostile_public_name_is_shown_as_text(client: FlaskClient) -> None:
    signed_in(client)
    hostile = '<script>alert(1)</script>"><b>x</b>'
    assert _set(client, hostile).status_code == 303
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;b&gt;x&lt;/b&gt;" in page
    form = client.get("/organize/events/new").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;" in form
    assert hostile not in form
    # Sent back as the browser would: the same text, shown as text on the event page.
    fields = event_form(berlin_embassy(), organized_by=hostile)
    response = post_event(client, "/organize/events/new", fields)
    event_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in event_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in event_page


def test_the_account_page_needs_an_account_and_the_form_token(client: FlaskClient) -> None:
    anonymous = client.application.test_client()
    assert anonymous.get(ACCOUNT).headers["Location"].startswith("/auth/login")
    user = signed_in(client)
    assert client.post(ACCOUNT, data={"public_name": "Forged"}).status_code == 400
    token = csrf_token(client, ACCOUNT)
    assert (
        anonymous.post(ACCOUNT, data={"public_name": "Forged", "csrf_token": token}).status_code
        != 303
    )
    assert _public_name(user) is None


def test_invitation_and_registration_say_the_account_name_is_private(client: FlaskClient) -> None:
    page = client.get("/auth/invite").get_data(as_text=True)
    assert "Private: only you and the site's admins see it." in page
    assert "Shown on your events" not in page
