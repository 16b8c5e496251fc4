"""Factories with safe defaults; every keyword can be overridden."""

from __future__ import annotations

import itertools
from typing import Any

from app.auth.services import create_user
from app.extensions import db
from app.models import Role, User, Venue

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    role: Role = Role.ORGANIZER,
    password: str | None = PASSWORD,
    display_name: str | None = None,
) -> User:
    n = next(_counter)
    user = create_user(
        email=email or f"organizer{n}@example.org",
        display_name=display_name or f"Organizer {n}",
        password=password,
        role=role,
    )
    db.session.commit()
    return user


def make_venue(**overrides: Any) -> Venue:
    values: dict[str, Any] = {
        "import_key": "mission:Embassy of Iran, Berlin",
        "name": "Embassy of Iran, Berlin",
        "kind": "embassy",
        "address": "Podbielskiallee 65–67, Berlin",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": 52.4609,
        "longitude": 13.2998,
        "timezone": "Europe/Berlin",
        "status": "open",
    }
    values.update(overrides)
    venue = Venue(**values)
    db.session.add(venue)
    db.session.commit()
    return venue
