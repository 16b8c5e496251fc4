"""Closed sets: each member has its one label, in every language, used wherever it shows."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from app.events.forms import kind_choices
from app.models import EventKind, Repeat
from app.models.rsvp import RsvpStatus
from app.rsvp.queries import RsvpClosedReason
from app.web import LANG_COOKIE
from tests.factories import make_event, make_venue

LABELLED: tuple[type[StrEnum], ...] = (EventKind, Repeat, RsvpStatus)


def _labels(locale: str) -> dict[StrEnum, str]:
    with force_locale(locale):
        labels: dict[StrEnum, str] = {
            member: member.label  # type: ignore[attr-defined]
            for members in LABELLED
            for member in members
        }
        labels.update({reason: reason.message for reason in RsvpClosedReason})
    return labels


def test_every_member_has_a_label_in_each_language(app: Flask) -> None:
    with app.test_request_context("/"):
        english, persian = _labels("en"), _labels("fa")
    assert english[EventKind.VIGIL] == "Vigil"
    assert english[RsvpStatus.WAITLISTED] == "Waiting list"
    for member, label in english.items():
        assert label, member
        assert persian[member] != label, member  # translated, not English left over
    # Within one set, no two members read the same.
    for members in LABELLED:
        assert len({english[member] for member in members}) == len(members)


def test_the_page_and_the_map_show_the_kind_label_of_the_enum(client: FlaskClient) -> None:
    event = make_event(make_venue(), kind=EventKind.MARCH)
    client.set_cookie(LANG_COOKIE, "fa")
    with client.application.test_request_context("/"):
        label = _labels("fa")[EventKind.MARCH]
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert label in page
    collection = json.loads(client.get("/events.geojson").get_data(as_text=True))
    [feature] = collection["features"]
    [listed] = feature["properties"]["events"]
    assert (listed["kind"], listed["kind_label"]) == ("march", label)


@pytest.mark.parametrize("kind", list(EventKind))
def test_the_event_form_offers_each_kind_by_its_label(app: Flask, kind: EventKind) -> None:
    with app.test_request_context("/"):
        assert (kind.value, kind.label) in kind_choices()
