"""Publishing, drafts, reinstating and what the organizer is told, through the real views.

The event form has "Publish" and "Save as draft" buttons; after a save the organizer
lands on the event's own page, which shows its state. Every flash after a change that
concerns people who RSVPed says how many of them were notified.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Event, EventStatus, Role
from app.rsvp import notices
from tests.conftest import csrf_token, signed_in, sql_statements
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, make_event, make_rsvp, make_series

NEW = "/organize/events/new"


def _event(event_id: int) -> Event:
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert event is not None
    return event


def _only_event() -> Event:
    db.session.expire_all()
    [event] = db.session.scalars(select(Event)).all()
    return event


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _landing(client: FlaskClient, response: Any) -> str:
    """The page a save redirected to (with its flash), as the browser shows it next."""
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return _main(client.get(response.headers["Location"]).get_data(as_text=True))


def _flash(page: str) -> str:
    start = page.index('<div class="flashes"')
    return page[start : page.index("</div>", start)]


# --- the two buttons -----------------------------------------------------------------------


def test_the_form_offers_two_buttons_and_no_checkbox(client: FlaskClient) -> None:
    signed_in(client)
    berlin_embassy()
    page = client.get(NEW).get_data(as_text=True)
    assert 'type="checkbox" id="publish"' not in page
    assert 'name="save_draft" type="submit" value="Save as draft"' in page
    assert 'name="publish" type="submit" value="Publish"' in page
    # Enter in a field sends the first button: a new event stays a draft.
    assert page.index('name="save_draft"') < page.index('name="publish"')


def test_publish_lands_on_the_event_page_with_its_state(client: FlaskClient) -> None:
    signed_in(client)
    response = post_event(client, NEW, event_form(berlin_embassy(), publish="Publish"))
    event = _only_event()
    assert event.status == EventStatus.PUBLISHED
    assert response.headers["Location"] == f"/events/{event.slug}"
    page = _landing(client, response)
    assert "Published: everyone can see it now." in _flash(page)
    assert "Status: published. Everyone can see this page." in page
    assert f'href="/organize/events/{event.id}/edit"' in page
    anonymous = client.application.test_client()
    main = _main(anonymous.get(f"/events/{event.slug}").get_data(as_text=True))
    assert "organizer-bar" not in main  # the bar is the organizer's only


def test_save_as_draft_lands_on_the_draft_page(client: FlaskClient) -> None:
    signed_in(client)
    form = event_form(berlin_embassy(), publish=None, save_draft="Save as draft")
    response = post_event(client, NEW, form)
    event = _only_event()
    assert event.status == EventStatus.DRAFT
    page = _landing(client, response)
    assert "Saved as a draft: only you and admins can see it." in _flash(page)
    assert "Draft: only you and admins can see this page." in page
    anonymous = client.application.test_client()
    assert anonymous.get(f"/events/{event.slug}").status_code == 404


def test_a_published_event_keeps_its_state_unless_a_button_says_otherwise(
    client: FlaskClient,
) -> None:
    signed_in(client)
    venue = berlin_embassy()
    post_event(client, NEW, event_form(venue))
    event = _only_event()
    url = f"/organize/events/{event.id}/edit"
    page = client.get(url).get_data(as_text=True)
    # Its first button saves and keeps it published; the other unpublishes.
    assert page.index('value="Save"') < page.index('value="Unpublish: save as draft"')

    # Neither button (a script, an old form): nothing about the state changes.
    response = post_event(client, url, event_form(venue, title="Renamed", publish=None))
    assert "Saved." in _flash(_landing(client, response))
    assert (_event(event.id).title, _event(event.id).status) == ("Renamed", "published")

    response = post_event(client, url, event_form(venue, publish=None, save_draft="x"))
    assert "Saved as a draft" in _flash(_landing(client, response))
    assert _event(event.id).status == EventStatus.DRAFT

    # A draft stays a draft without a button; both buttons at once: the draft wins.
    post_event(client, url, event_form(venue, title="Again", publish=None))
    assert _event(event.id).status == EventStatus.DRAFT
    post_event(client, url, event_form(venue, save_draft="x"))
    assert _event(event.id).status == EventStatus.DRAFT

    response = post_event(client, url, event_form(venue))
    assert "Published: everyone can see it now." in _flash(_landing(client, response))
    assert _event(event.id).status == EventStatus.PUBLISHED


def test_an_invalid_form_saves_nothing_and_keeps_both_buttons(client: FlaskClient) -> None:
    signed_in(client)
    response = post_event(client, NEW, event_form(berlin_embassy(), title=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="save_draft"' in page
    assert 'name="publish"' in page
    db.session.rollback()
    assert db.session.scalar(select(Event.id)) is None


# --- how many people were told --------------------------------------------------------------


def _with_addresses(event: Event, count: int, *, dates: tuple[date, ...] = ()) -> None:
    for number in range(count):
        make_rsvp(event, email=f"person{number}@example.org", dates=dates)
    make_rsvp(event, dates=dates)  # no address: nobody to tell
    make_rsvp(event, email="unconfirmed@example.org", confirmed=False, dates=dates)


def test_a_reschedule_says_how_many_were_notified(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    _with_addresses(event, 3)
    url = f"/organize/events/{event.id}/edit"
    moved = event_form(event.venue, starts_at="2026-12-05T16:00", ends_at="2026-12-05T18:00")
    flash = _flash(_landing(client, post_event(client, url, moved)))
    assert "Saved. 3 people were notified by e-mail." in flash
    # Another field only: nobody needs to be told, and the flash does not count.
    flash = _flash(_landing(client, post_event(client, url, {**moved, "title": "New title"})))
    assert "Saved." in flash
    assert "notified" not in flash


def test_one_person_and_nobody(client: FlaskClient) -> None:
    organizer = signed_in(client)
    venue = berlin_embassy()
    told = make_event(venue, organizer=organizer)
    untold = make_event(venue, organizer=organizer)
    _with_addresses(told, 1)
    for event, expected in (
        (told, "1 person was notified by e-mail."),
        (untold, "Nobody was notified by e-mail."),
    ):
        form = event_form(event.venue, starts_at="2026-12-05T16:00", ends_at="2026-12-05T18:00")
        flash = _flash(
            _landing(client, post_event(client, f"/organize/events/{event.id}/edit", form))
        )
        assert expected in flash


def test_cancel_and_cancel_one_date_say_how_many_were_notified(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    _with_addresses(event, 2)
    response = post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "Rain"})
    assert response.status_code == 303
    page = _main(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The event is cancelled. Its page now says so. 2 people were notified" in page

    series = make_series(event.venue, organizer=organizer)
    first = series.occurrences[0].occurs_on
    _with_addresses(series, 1, dates=(first,))
    url = f"/organize/events/{series.id}/dates/{first.isoformat()}/cancel"
    page = _landing(client, post_event(client, url, {"reason": ""}))
    assert "The date is cancelled. The event page says so. 1 person was notified" in page


def test_the_count_in_a_flash_is_in_the_pages_digits(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    _with_addresses(event, 2)
    client.set_cookie("lang", "fa")
    response = post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "Rain"})
    flash = _flash(_landing(client, response))
    assert "۲" in flash
    assert "2" not in flash


# --- reinstating ----------------------------------------------------------------------------


def _cancelled(client: FlaskClient, organizer: Any, addresses: int = 0) -> Event:
    event = make_event(organizer=organizer)
    _with_addresses(event, addresses)
    post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "Police <ban>"})
    event = _event(event.id)
    assert event.is_cancelled
    return event


def test_reinstate_asks_then_publishes_and_says_who_was_told(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = _cancelled(client, organizer, addresses=2)
    sequence = event.sequence
    listing = client.get("/organize/").get_data(as_text=True)
    url = f"/organize/events/{event.id}/reinstate"
    assert f'href="{url}"' in listing
    assert f'href="{url}"' in client.get(f"/events/{event.slug}").get_data(as_text=True)

    anonymous = client.application.test_client()
    public = f"/events/{event.slug}"
    assert "This event is cancelled." in anonymous.get(public).get_data(as_text=True)  # cached

    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Reinstate “Vigil for the prisoners”" in page
    assert 'value="Reinstate this event"' in page
    assert _event(event.id).is_cancelled  # asking changes nothing

    response = post_event(client, url, {})
    assert response.headers["Location"] == f"/events/{event.slug}"
    page = _landing(client, response)
    assert "The event is reinstated and published. 2 people were notified by e-mail." in page
    assert "This event is cancelled." not in page
    assert "Police" not in page
    event = _event(event.id)
    assert (event.status, event.cancel_reason, event.sequence) == (
        "published",
        None,
        sequence + 1,
    )
    # Visitors see it as planned at once: the cached page went with the change.
    assert "This event is cancelled." not in anonymous.get(public).get_data(as_text=True)
    # It can be edited again.
    assert client.get(f"/organize/events/{event.id}/edit").status_code == 200


def test_only_a_cancelled_event_can_be_reinstated(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = make_event(organizer=organizer)
    url = f"/organize/events/{event.id}/reinstate"
    assert client.get(url).status_code == 409
    assert post_event(client, f"/organize/events/{event.id}/edit", {}).status_code == 422
    response = client.post(url, data={"csrf_token": csrf_token(client, NEW)})
    assert response.status_code == 409
    assert (_event(event.id).status, _event(event.id).sequence) == ("published", 0)


def test_a_draft_cannot_be_cancelled_into_public_view(client: FlaskClient) -> None:
    event = make_event(organizer=signed_in(client), publish=False)
    url = f"/organize/events/{event.id}/cancel"
    page = client.get(url)
    assert page.status_code == 409
    assert "nothing to cancel" in page.get_data(as_text=True)
    assert post_event(client, url, {"reason": "Changed plans"}).status_code == 409
    assert (_event(event.id).status, _event(event.id).sequence) == (EventStatus.DRAFT, 0)
    assert f'href="{url}"' not in client.get("/organize/").get_data(as_text=True)


def test_reinstating_someone_elses_event_is_not_found(client: FlaskClient) -> None:
    owner = signed_in(client)
    event = _cancelled(client, owner)
    other = client.application.test_client()
    signed_in(other)
    url = f"/organize/events/{event.id}/reinstate"
    assert other.get(url).status_code == 404
    assert other.post(url, data={"csrf_token": csrf_token(other, NEW)}).status_code == 404
    assert other.get("/organize/events/999999/reinstate").status_code == 404
    anonymous = client.application.test_client()
    assert anonymous.post(url).status_code in (302, 303, 400)
    assert anonymous.get(url).headers["Location"].startswith("/auth/login")
    assert _event(event.id).is_cancelled
    # An admin may: their list is everyone's.
    admin = client.application.test_client()
    signed_in(admin, role=Role.ADMIN)
    assert post_event(admin, url, {}).status_code == 303
    assert not _event(event.id).is_cancelled


def test_reinstating_without_the_form_token_is_refused(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = _cancelled(client, organizer)
    url = f"/organize/events/{event.id}/reinstate"
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert _event(event.id).is_cancelled


def test_a_failing_notice_leaves_the_event_cancelled(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    organizer = signed_in(client)
    event = _cancelled(client, organizer, addresses=1)

    def broken(_event: Event) -> int:
        raise RuntimeError("the outbox is gone")

    monkeypatch.setattr(notices, "queue_event_reinstated", broken)
    response = post_event(client, f"/organize/events/{event.id}/reinstate", {})
    assert response.status_code == 500
    event = _event(event.id)
    assert (event.status, event.cancel_reason) == ("cancelled", "Police <ban>")


def test_a_cancelled_event_says_how_to_change_it(client: FlaskClient) -> None:
    organizer = signed_in(client)
    event = _cancelled(client, organizer)
    response = client.get(f"/organize/events/{event.id}/edit")
    assert response.status_code == 409
    assert "Reinstate or duplicate it." in response.get_data(as_text=True)


# --- the organizer's list -------------------------------------------------------------------


def test_the_list_counts_people_in_one_query(client: FlaskClient) -> None:
    organizer = signed_in(client)
    first = make_event(organizer=organizer, title="First vigil", capacity=2)
    make_rsvp(first, party_size=2)
    make_rsvp(first, party_size=3)  # waiting: it does not fit
    with sql_statements() as one_event:
        page = _main(client.get("/organize/").get_data(as_text=True))
    assert "2 going · 3 waiting" in page
    for number in range(4):
        event = make_event(first.venue, organizer=organizer, title=f"Vigil {number}")
        make_rsvp(event)
    with sql_statements() as five_events:
        page = _main(client.get("/organize/").get_data(as_text=True))
    assert page.count("1 going") == 4
    assert len(five_events) == len(one_event)


def test_the_heading_says_all_events_for_admins(client: FlaskClient) -> None:
    signed_in(client)
    assert "<h1>My events</h1>" in client.get("/organize/").get_data(as_text=True)
    admin = client.application.test_client()
    signed_in(admin, role=Role.ADMIN)
    assert "<h1>All events</h1>" in admin.get("/organize/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Dec 5, 2026, 15:00 CET"), ("de", "05.12.2026, 15:00 CET"), ("fa", "۱۵:۰۰")],
)
def test_the_list_shows_24_hour_times_in_every_language(
    client: FlaskClient, language: str, expected: str
) -> None:
    organizer = signed_in(client)
    make_event(organizer=organizer)
    client.set_cookie("lang", language)
    page = _main(client.get("/organize/").get_data(as_text=True))
    assert expected in page
    assert not re.search(r"\b[AP]M\b", page)  # a word, not letters of a CSRF token
    assert "ب.ظ" not in page  # Persian "p.m."
