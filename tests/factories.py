"""Factories with safe defaults; every keyword can be overridden."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta
from typing import Any

from app.auth.services import create_user
from app.events.services import EventInput, create_event
from app.extensions import db
from app.models import Event, Repeat, Role, User, Venue

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


def make_event(
    venue: Venue,
    *,
    organizer: User | None = None,
    starts_local: datetime = datetime(2026, 12, 5, 15, 0),  # noqa: DTZ001 - venue wall time
    duration: timedelta = timedelta(hours=2),
    commit: bool = True,
    **overrides: Any,
) -> Event:
    """A published one-off event at ``venue``, made by the real service.

    ``overrides`` replace fields of app.events.services.EventInput.
    """
    data = EventInput(
        title="Vigil for the prisoners",
        description="",
        kind="vigil",
        venue=venue,
        timezone=venue.timezone,
        starts_local=starts_local,
        ends_local=starts_local + duration,
        repeat=Repeat.NONE,
        repeat_until_on=None,
        skip_dates=frozenset(),
        capacity=None,
        contact_url=None,
        publish=True,
    )
    event = create_event(
        organizer=organizer or make_user(), data=dataclasses.replace(data, **overrides)
    )
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return event
