"""The organizer's RSVP list and CSV: own events only, chosen names only, no e-mail."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Event, Role, User
from tests.conftest import login
from tests.factories import PASSWORD, make_event, make_rsvp, make_user

CANARY_EMAIL = "canary-org-7f3a@example.org"


def _text(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    return text


def _event_with_rsvps(organizer: User, **overrides: Any) -> Event:
    event = make_event(organizer=organizer, capacity=4, **overrides)
    make_rsvp(event, display_name="Nasrin", party_size=3, email=CANARY_EMAIL)
    make_rsvp(event)
    make_rsvp(event, display_name="Late Reza", party_size=2, email=CANARY_EMAIL)
    return event


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_organizer_pages_of_an_event_link_to_its_list(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer)
    login(client, organizer.email, PASSWORD)
    link = f'<a href="/organize/events/{event.id}/rsvps">RSVPs</a>'
    assert link in _text(client.get("/organize/"))
    assert link in _text(client.get(f"/organize/events/{event.id}/edit"))


def test_owner_sees_counts_and_chosen_names_but_no_email(client: FlaskClient) -> None:
    organizer = make_user()
    event = _event_with_rsvps(organizer, hide_count=True)
    login(client, organizer.email, PASSWORD)
    response = client.get(f"/organize/events/{event.id}/rsvps")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = _text(response)
    # Going: 3 + 1 people in 2 RSVPs; waiting: 2 people in 1 RSVP.
    counts = re.sub(r"\s+", " ", page.split('class="facts rsvp-counts">')[1].split("</dl>")[0])
    assert '<dt>Going</dt> <dd>4 people <span class="hint">(2 RSVPs)</span></dd>' in counts
    assert '<dt>Waiting list</dt> <dd>2 people <span class="hint">(1 RSVP)</span></dd>' in counts
    assert "Capacity: 4 people." in page
    assert "The public page does not show the count." in page
    for name in ("Nasrin", "Anonymous", "Late Reza"):
        assert name in page
    assert page.index("Nasrin") < page.index("Late Reza")  # going first, then waiting
    assert CANARY_EMAIL not in page
    assert "canary-org" not in page


def test_csv_has_names_sizes_status_and_date_only(client: FlaskClient) -> None:
    organizer = make_user()
    event = _event_with_rsvps(organizer)
    login(client, organizer.email, PASSWORD)
    response = client.get(f"/organize/events/{event.id}/rsvps.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="rsvps-{event.id}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data().startswith("\ufeff".encode())  # spreadsheets then read UTF-8
    assert _csv_rows(response) == [
        ["Date", "Display name", "People", "Status", "RSVP date"],
        ["2026-12-05", "Nasrin", "3", "Going", "2026-11-25"],
        ["2026-12-05", "", "1", "Going", "2026-11-25"],
        ["2026-12-05", "Late Reza", "2", "Waiting list", "2026-11-25"],
    ]
    assert b"canary-org" not in response.get_data()


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tX", "\rX"]


def test_csv_cells_cannot_run_as_formulas(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer)
    # Straight through the service: the form would already refuse TAB and CR.
    for name in [*FORMULAS, "Plain", "Sara = here"]:
        make_rsvp(event, display_name=name)
    login(client, organizer.email, PASSWORD)
    rows = _csv_rows(client.get(f"/organize/events/{event.id}/rsvps.csv"))
    names = [row[1] for row in rows[1:]]  # after the date
    assert names == [*("'" + formula for formula in FORMULAS), "Plain", "Sara = here"]


def test_csv_quotes_every_field_and_neutralises_formulas_after_semicolons(
    client: FlaskClient,
) -> None:
    # German and French spreadsheets split a line on ";": each piece is a cell of its own.
    organizer = make_user()
    event = make_event(organizer=organizer)
    make_rsvp(event, display_name="Sara;=1+1;ok;@SUM(A1); -x;+2")
    login(client, organizer.email, PASSWORD)
    response = client.get(f"/organize/events/{event.id}/rsvps.csv")
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == '"Date","Display name","People","Status","RSVP date"'
    assert lines[1] == (
        '"2026-12-05","Sara;\'=1+1;ok;\'@SUM(A1); -x;\'+2","1","Going","2026-11-25"'
    )
    for line in lines:
        for segment in line.split(";"):
            assert not segment.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))


def test_list_without_rsvps(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer)
    login(client, organizer.email, PASSWORD)
    page = _text(client.get(f"/organize/events/{event.id}/rsvps"))
    assert "No RSVPs yet." in page
    assert "No capacity limit." in page
    assert _csv_rows(client.get(f"/organize/events/{event.id}/rsvps.csv")) == [
        ["Date", "Display name", "People", "Status", "RSVP date"]
    ]


@pytest.mark.parametrize("suffix", ["rsvps", "rsvps.csv"])
def test_another_organizer_gets_404(client: FlaskClient, suffix: str) -> None:
    event = _event_with_rsvps(make_user())
    other = make_user()
    login(client, other.email, PASSWORD)
    response = client.get(f"/organize/events/{event.id}/{suffix}")
    missing = client.get(f"/organize/events/{event.id + 1000}/{suffix}")
    assert response.status_code == missing.status_code == 404
    main = [_text(r).split('<main id="main"')[1].split("</main>")[0] for r in (response, missing)]
    assert main[0] == main[1]
    assert "Nasrin" not in _text(response)


@pytest.mark.parametrize("suffix", ["rsvps", "rsvps.csv"])
def test_admins_see_any_event(client: FlaskClient, suffix: str) -> None:
    event = _event_with_rsvps(make_user())
    admin = make_user(role=Role.ADMIN)
    login(client, admin.email, PASSWORD)
    response = client.get(f"/organize/events/{event.id}/{suffix}")
    assert response.status_code == 200
    assert "Nasrin" in _text(response)


@pytest.mark.parametrize("suffix", ["rsvps", "rsvps.csv"])
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, suffix: str) -> None:
    event = _event_with_rsvps(make_user())
    response = client.get(f"/organize/events/{event.id}/{suffix}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_my_events_links_to_the_rsvps(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer)
    login(client, organizer.email, PASSWORD)
    assert f"/organize/events/{event.id}/rsvps" in _text(client.get("/organize/"))
    assert f"/organize/events/{event.id}/rsvps" in _text(
        client.get(f"/organize/events/{event.id}/edit")
    )


def test_hostile_names_are_shown_as_text(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_event(organizer=organizer, title="<b>Title</b>")
    make_rsvp(event, display_name="<img src=x onerror=alert(1)>")
    login(client, organizer.email, PASSWORD)
    page = _text(client.get(f"/organize/events/{event.id}/rsvps"))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>Title</b>" not in page
    assert "RSVPs: <bdi>&lt;b&gt;Title&lt;/b&gt;</bdi>" in page
