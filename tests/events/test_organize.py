"""Organizers create, edit, cancel and duplicate events through the real views."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Occurrence
from tests.conftest import signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy
from tests.venues.picker import elements, picker_options


def _only_event() -> Event:
    db.session.expire_all()
    events = list(db.session.scalars(select(Event)))
    assert len(events) == 1
    return events[0]


def test_create_event_at_berlin_embassy_shows_local_time(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    response = post_event(client, "/organize/events/new", event_form(venue))
    assert response.status_code == 303
    event = _only_event()
    # 15:00 in Berlin in November is 14:00 UTC (CET, UTC+1).
    assert event.starts_at == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"
    assert event.status == "published"
    listing = client.get("/events").get_data(as_text=True)
    assert "Vigil for the prisoners" in listing
    assert "15:00–17:00 CET" in listing
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "15:00–17:00 CET" in page
    assert "Europe/Berlin" in page
    assert "Podbielskiallee" in page


def test_summer_event_shows_cest(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(venue, starts_at="2027-07-03T15:00", ends_at="2027-07-03T16:00")
    assert post_event(client, "/organize/events/new", form).status_code == 303
    event = _only_event()
    assert event.starts_at == datetime(2027, 7, 3, 13, 0, tzinfo=UTC)
    assert "15:00–16:00 CEST" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_edit_bumps_sequence_only_for_schedule_changes(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    post_event(client, "/organize/events/new", event_form(venue))
    event = _only_event()
    url = f"/organize/events/{event.id}/edit"
    form_page = client.get(url).get_data(as_text=True)
    assert 'value="2026-11-28T15:00"' in form_page  # local wall time, not UTC

    post_event(client, url, event_form(venue, title="Vigil, new title"))
    event = _only_event()
    assert (event.title, event.sequence) == ("Vigil, new title", 0)

    response = post_event(
        client, url, event_form(venue, starts_at="2026-11-28T16:00", ends_at="2026-11-28T18:00")
    )
    assert response.status_code == 303
    event = _only_event()
    assert event.sequence == 1
    assert event.starts_at == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    starts = list(db.session.scalars(select(Occurrence.starts_at)))
    assert starts == [datetime(2026, 11, 28, 15, 0, tzinfo=UTC)]


def test_cancel_keeps_event_visible_with_reason(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    post_event(client, "/organize/events/new", event_form(venue))
    event = _only_event()
    response = post_event(
        client, f"/organize/events/{event.id}/cancel", {"reason": "Police ban <b>today</b>"}
    )
    assert response.status_code == 303
    event = _only_event()
    assert (event.status, event.sequence) == ("cancelled", 1)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "This event is cancelled." in page
    assert "Police ban &lt;b&gt;today&lt;/b&gt;" in page
    assert "Cancelled" in client.get("/events").get_data(as_text=True)
    # A cancelled event cannot be edited or cancelled again.
    assert client.get(f"/organize/events/{event.id}/edit").status_code == 409
    assert client.get(f"/organize/events/{event.id}/cancel").status_code == 409


def test_duplicate_makes_a_draft_copy(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    post_event(client, "/organize/events/new", event_form(venue))
    original = _only_event()
    response = post_event(client, f"/organize/events/{original.id}/duplicate", {})
    assert response.status_code == 303
    db.session.expire_all()
    copies = list(db.session.scalars(select(Event).where(Event.id != original.id)))
    assert len(copies) == 1
    copy = copies[0]
    assert copy.status == "draft"
    assert copy.uid != original.uid
    assert copy.slug != original.slug
    assert response.headers["Location"].endswith(f"/organize/events/{copy.id}/edit")
    # Drafts are not public.
    anonymous = client.application.test_client()
    assert anonymous.get(f"/events/{copy.slug}").status_code == 404


def test_weekly_series_lists_each_date_and_skips(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(
        venue,
        starts_at="2026-12-03T18:00",
        ends_at="2026-12-03T19:00",
        repeat="weekly",
        repeat_until="2027-01-07",
        skip_dates="2026-12-24\n2026-12-31",
    )
    assert post_event(client, "/organize/events/new", form).status_code == 303
    event = _only_event()
    assert db.session.scalar(select(func.count()).select_from(Occurrence)) == 4
    listing = client.get("/events").get_data(as_text=True)
    assert listing.count(event.slug) == 1  # one card for the series
    assert "Every Thursday, 18:00 CET" in listing
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    # A skipped date is shown struck through as cancelled, beside the dates that remain.
    skipped = page.split('<li class="cancelled-date">')
    assert len(skipped) == 3
    assert "<s>Thursday, December 24, 2026, 18:00–19:00 CET</s>" in skipped[1]
    assert '<strong class="badge badge-cancelled">Cancelled</strong>' in skipped[1]
    assert "<s>Thursday, December 31, 2026, 18:00–19:00 CET</s>" in skipped[2]
    assert "<s>" not in skipped[0]  # Dec 3, 10 and 17 are on


def test_series_keeps_wall_time_across_dst(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    form = event_form(
        venue,
        starts_at="2027-03-18T18:00",
        ends_at="2027-03-18T19:00",
        repeat="weekly",
        repeat_until="2027-04-01",
    )
    assert post_event(client, "/organize/events/new", form).status_code == 303
    starts = list(db.session.scalars(select(Occurrence.starts_at).order_by(Occurrence.starts_at)))
    # 18:00 CET is 17:00 UTC; after 28 March 18:00 CEST is 16:00 UTC.
    assert [s.hour for s in starts] == [17, 17, 16]


def test_organizer_cannot_see_or_change_others_events(client: FlaskClient) -> None:
    signed_in(client)
    venue = berlin_embassy()
    post_event(client, "/organize/events/new", event_form(venue))
    event = _only_event()
    other = client.application.test_client()
    signed_in(other)
    for method, url in (
        ("get", f"/organize/events/{event.id}/edit"),
        ("get", f"/organize/events/{event.id}/cancel"),
    ):
        assert getattr(other, method)(url).status_code == 404
    assert post_event(other, f"/organize/events/{event.id}/duplicate", {}).status_code == 404
    token_page = "/organize/events/new"
    response = post_event(other, f"/organize/events/{event.id}/cancel", {"reason": "x"})
    assert response.status_code == 404
    assert token_page
    assert _only_event().status == "published"
    assert "Vigil for the prisoners" not in other.get("/organize/").get_data(as_text=True)


def test_admin_can_edit_any_event(client: FlaskClient) -> None:
    from app.models import Role

    signed_in(client)
    venue = berlin_embassy()
    post_event(client, "/organize/events/new", event_form(venue))
    event = _only_event()
    admin = client.application.test_client()
    signed_in(admin, role=Role.ADMIN)
    assert "Vigil for the prisoners" in admin.get("/organize/").get_data(as_text=True)
    url = f"/organize/events/{event.id}/edit"
    assert post_event(admin, url, event_form(venue, title="Fixed by admin")).status_code == 303
    assert _only_event().title == "Fixed by admin"


def test_the_place_picker_carries_positions_and_may_ask_for_the_location(
    client: FlaskClient,
) -> None:
    signed_in(client)
    venue = berlin_embassy()
    unplaced = berlin_embassy(
        import_key="mission:unplaced", name="Unplaced", latitude=None, longitude=None
    )
    response = client.get("/organize/events/new")
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    choose, *places, other = picker_options(response.get_data(as_text=True))
    # "Choose a place…" first and "Another address" last, with nothing to sort by.
    assert (choose["value"], other["value"]) == ("", "other")
    for fixed in (choose, other):
        assert not {"data-lat", "data-lon", "data-name"} & set(fixed)
    by_id = {option["value"]: option for option in places}
    assert by_id[str(venue.id)]["data-lat"] == "52.46090"
    assert by_id[str(venue.id)]["data-lon"] == "13.29980"
    assert by_id[str(venue.id)]["data-name"] == venue.name
    assert by_id[str(unplaced.id)]["data-name"] == "Unplaced"
    assert "data-lat" not in by_id[str(unplaced.id)]
    assert elements(response.get_data(as_text=True), "button", class_="venue-sort")
    post_event(client, "/organize/events/new", event_form(venue))
    edit = client.get(f"/organize/events/{_only_event().id}/edit")
    assert "geolocation=(self)" in edit.headers["Permissions-Policy"]
    assert elements(edit.get_data(as_text=True), "button", class_="venue-sort")
    # Other organizer pages may not ask.
    assert "geolocation=()" in client.get("/organize/").headers["Permissions-Policy"]
