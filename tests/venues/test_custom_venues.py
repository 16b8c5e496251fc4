"""Custom venues typed in by organizers, and which venues each account may pick."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User, Venue
from app.venues.queries import get_selectable_venue, get_venue, selectable_venues
from app.venues.services import VenueError, create_custom_venue
from tests.factories import make_user, make_venue


def custom(user: User, **overrides: Any) -> Venue:
    values: dict[str, Any] = {
        "name": "Town hall square",
        "address": "Marktplatz 1",
        "city": "Hamburg",
        "country_code": "DE",
        "latitude": 53.5503,
        "longitude": 9.9920,
        "timezone": None,
        "created_by": user,
    }
    values.update(overrides)
    venue = create_custom_venue(**values)
    db.session.commit()
    return venue


def test_create_custom_venue_derives_zone(app: Flask) -> None:
    user = make_user()

    venue = custom(user, name="  Rathausmarkt  ")

    assert venue.id is not None
    assert venue.name == "Rathausmarkt"
    assert (venue.kind, venue.status, venue.import_key, venue.mission_kind) == (
        "other", "open", None, None,
    )  # fmt: skip
    assert (venue.timezone, venue.timezone_is_manual) == ("Europe/Berlin", False)
    assert venue.created_by_id == user.id
    assert venue.has_coordinates


def test_create_custom_venue_keeps_chosen_zone(app: Flask) -> None:
    venue = custom(make_user(), timezone="Asia/Tehran")

    assert (venue.timezone, venue.timezone_is_manual) == ("Asia/Tehran", True)


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "N" * 201},
        {"name": "Rathaus\x00"},
        {"address": "\u202eevil"},
        {"address": "A" * 301},
        {"city": ""},
        {"city": "C" * 101},
        {"country_code": "XX"},
        {"country_code": "de"},
        {"latitude": float("nan")},
        {"latitude": float("inf")},
        {"latitude": 91.0},
        {"longitude": -181.0},
        {"longitude": float("-inf")},
        {"timezone": "asia/tehran"},
        {"timezone": "../../etc/passwd"},
        {"timezone": ""},
    ],
)
def test_create_custom_venue_refuses_bad_values(app: Flask, change: dict[str, Any]) -> None:
    user = make_user()

    with app.test_request_context(), pytest.raises(VenueError) as caught:
        custom(user, **change)

    assert str(caught.value)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 0


def test_selectable_venues_by_account(app: Flask) -> None:
    alice, bob = make_user(), make_user()
    admin = make_user(role=Role.ADMIN)
    berlin = make_venue(import_key="mission:Embassy of Iran, Berlin")
    hamburg = make_venue(
        import_key="mission:Consulate General of Iran, Hamburg",
        name="Consulate General of Iran, Hamburg", city="Hamburg", status="closed",
        latitude=None, longitude=None,
    )  # fmt: skip
    vienna = make_venue(
        import_key="mission:Embassy of Iran, Vienna", name="Embassy of Iran, Vienna",
        city="Vienna", country_code="AT", timezone="Europe/Vienna",
    )  # fmt: skip
    alices = custom(alice, name="Alice's square", city="Aachen")
    bobs = custom(bob, name="Bob's square")

    assert selectable_venues(alice) == [vienna, alices, berlin, hamburg]
    assert selectable_venues(bob) == [vienna, berlin, bobs, hamburg]
    assert selectable_venues(admin) == [vienna, alices, berlin, bobs, hamburg]

    assert get_venue(bobs.id) is bobs
    assert get_venue(10**6) is None
    assert get_selectable_venue(alice, bobs.id) is None
    assert get_selectable_venue(alice, alices.id) is alices
    assert get_selectable_venue(alice, hamburg.id) is hamburg
    assert get_selectable_venue(admin, bobs.id) is bobs
    assert get_selectable_venue(alice, 10**6) is None
