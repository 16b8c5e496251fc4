"""Test data with safe defaults; every keyword can be overridden.

Accounts, events, RSVPs and statement versions are made by the app's own
services, so they pass the same rules as data made through the pages. Each
factory commits (``make_event(commit=False)`` only flushes), so a request made
next by the test client sees the data.

Venues: ``berlin_embassy()`` (also ``make_venue()`` without arguments) is the
default place of an event. The other presets are the places the tests share:
missions carry an ``import_key``, which is unique, so each can be made once per
database; typed-in addresses (``make_place``) can be made any number of times.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import update

from app.auth.passwords import hash_password
from app.auth.services import create_user
from app.campaign.services import pin_statement
from app.events.services import EventInput, create_event
from app.extensions import db
from app.models import Event, EventKind, EventStatus, Repeat, Role, StatementVersion, User, Venue
from app.models.rsvp import Rsvp
from app.rsvp.services import RsvpResult, create_rsvp, hash_token

PASSWORD = "correct horse battery staple"
# Saturday 2026-12-05 15:00 at the venue: ten days after DEFAULT_NOW (tests/conftest.py).
STARTS_LOCAL = datetime(2026, 12, 5, 15, 0)  # noqa: DTZ001 - venue wall time
_counter = itertools.count(1)


# --- accounts -------------------------------------------------------------------------------


@cache
def _password_hash(password: str) -> str:
    """The Argon2id hash of ``password``, made once per test process.

    A hash at the production cost takes tens of milliseconds, and almost every
    test makes an account; signing in still verifies it at full cost.
    """
    return hash_password(password)


def make_user(
    *,
    email: str | None = None,
    role: Role = Role.ORGANIZER,
    password: str | None = PASSWORD,
    display_name: str | None = None,
    is_reviewer: bool = False,
) -> User:
    """An active account (an organizer unless ``role`` says otherwise) that can sign in;
    ``is_reviewer``: it may review supporters' proposals.

    ``password=None`` leaves it without a usable password, as an invited account
    that was never accepted. Tests of how ``create_user`` hashes call it directly.
    """
    n = next(_counter)
    label = "Admin" if role == Role.ADMIN else "Organizer"
    user = create_user(
        email=email or f"{label.lower()}{n}@example.org",
        display_name=display_name or f"{label} {n}",
        password=None,
        role=role,
    )
    if password:  # as create_user: no password, no usable hash
        user.password_hash = _password_hash(password)
    user.is_reviewer = is_reviewer
    db.session.commit()
    return user


def make_organizer(**overrides: Any) -> User:
    """An organizer account; ``overrides`` as for make_user."""
    return make_user(role=Role.ORGANIZER, **overrides)


def make_admin(**overrides: Any) -> User:
    """An admin account; ``overrides`` as for make_user."""
    return make_user(role=Role.ADMIN, **overrides)


# --- venues ---------------------------------------------------------------------------------

_BERLIN_EMBASSY: dict[str, Any] = {
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


def make_venue(**overrides: Any) -> Venue:
    """A venue row: the Berlin embassy in Dahlem, with ``overrides`` applied.

    Give ``import_key=None`` (or another key) to make a second venue in a test:
    the key of a mission is unique.
    """
    venue = Venue(**{**_BERLIN_EMBASSY, **overrides})
    db.session.add(venue)
    db.session.commit()
    return venue


def make_place(**overrides: Any) -> Venue:
    """An address an organizer typed in: no import key, kind "other", open.

    Defaults to the Brandenburger Tor in Berlin-Mitte; ``address`` defaults to
    "<name>, <city>".
    """
    values: dict[str, Any] = {
        "import_key": None,
        "name": "Brandenburger Tor",
        "kind": "other",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": 52.516275,
        "longitude": 13.377704,
        "timezone": "Europe/Berlin",
        **overrides,
    }
    values.setdefault("address", f"{values['name']}, {values['city']}")
    return make_venue(**values)


def berlin_embassy(**overrides: Any) -> Venue:
    """The Iranian embassy in Berlin-Dahlem, a mission from the bundled list."""
    return make_venue(**overrides)


def hamburg_consulate(**overrides: Any) -> Venue:
    """The Iranian consulate in Hamburg: another mission in the Berlin zone."""
    return make_venue(
        **{
            "import_key": "mission:Consulate of Iran, Hamburg",
            "name": "Consulate of Iran, Hamburg",
            "address": "Bebelallee 18, Hamburg",
            "city": "Hamburg",
            **overrides,
        }
    )


def london_embassy(**overrides: Any) -> Venue:
    """The Iranian embassy in London (Europe/London, an hour behind Berlin)."""
    return make_venue(
        **{
            "import_key": "mission:Embassy of Iran, London",
            "name": "Embassy of Iran, London",
            "address": "16 Prince's Gate",
            "city": "London",
            "country_code": "GB",
            "latitude": 51.5014,
            "longitude": -0.1719,
            "timezone": "Europe/London",
            **overrides,
        }
    )


def sydney_consulate(**overrides: Any) -> Venue:
    """The Iranian consulate general in Sydney (Australia/Sydney: DST in the southern summer)."""
    return make_venue(
        **{
            "import_key": "mission:Consulate General of Iran, Sydney",
            "name": "Consulate General of Iran, Sydney",
            "kind": "consulate",
            "address": "3 Eastbourne Rd, Darling Point",
            "city": "Sydney",
            "country_code": "AU",
            "latitude": -33.8723,
            "longitude": 151.2386,
            "timezone": "Australia/Sydney",
            **overrides,
        }
    )


def berlin_mitte(**overrides: Any) -> Venue:
    """The Brandenburger Tor: about 7 km from the embassy, closer to the centre of Berlin."""
    return make_place(**overrides)


def potsdam(**overrides: Any) -> Venue:
    """Alter Markt in Potsdam, about 28 km from the centre of Berlin."""
    return make_place(
        **{
            "name": "Alter Markt",
            "city": "Potsdam",
            "latitude": 52.3958,
            "longitude": 13.0583,
            **overrides,
        }
    )


def hamburg_rathausmarkt(**overrides: Any) -> Venue:
    """The square in front of Hamburg's town hall."""
    return make_place(
        **{
            "name": "Rathausmarkt",
            "city": "Hamburg",
            "latitude": 53.5503,
            "longitude": 9.9930,
            **overrides,
        }
    )


def paris(**overrides: Any) -> Venue:
    """Place de la République in Paris."""
    return make_place(
        **{
            "name": "Place de la République",
            "city": "Paris",
            "country_code": "FR",
            "latitude": 48.8674,
            "longitude": 2.3636,
            "timezone": "Europe/Paris",
            **overrides,
        }
    )


def toronto(**overrides: Any) -> Venue:
    """Nathan Phillips Square in Toronto (America/Toronto)."""
    return make_place(
        **{
            "name": "Nathan Phillips Square",
            "address": "100 Queen St W",
            "city": "Toronto",
            "country_code": "CA",
            "latitude": 43.6525,
            "longitude": -79.3832,
            "timezone": "America/Toronto",
            **overrides,
        }
    )


def sydney_hyde_park(**overrides: Any) -> Venue:
    """Hyde Park in central Sydney, a typed-in address."""
    return make_place(
        **{
            "name": "Hyde Park",
            "city": "Sydney",
            "country_code": "AU",
            "latitude": -33.8731,
            "longitude": 151.2111,
            "timezone": "Australia/Sydney",
            **overrides,
        }
    )


def suva(**overrides: Any) -> Venue:
    """Albert Park in Suva, Fiji: west of the antimeridian (longitude +178)."""
    return make_place(
        **{
            "name": "Albert Park",
            "city": "Suva",
            "country_code": "FJ",
            "latitude": -18.1416,
            "longitude": 178.4419,
            "timezone": "Pacific/Fiji",
            **overrides,
        }
    )


def apia(**overrides: Any) -> Venue:
    """Mulinu'u in Apia, Samoa: east of the antimeridian (longitude -171)."""
    return make_place(
        **{
            "name": "Mulinu'u",
            "city": "Apia",
            "country_code": "WS",
            "latitude": -13.8333,
            "longitude": -171.7667,
            "timezone": "Pacific/Apia",
            **overrides,
        }
    )


def unplaced(**overrides: Any) -> Venue:
    """A saved address in Leipzig whose position was never entered."""
    return make_place(
        **{
            "name": "Somewhere in Leipzig",
            "address": "Augustusplatz",
            "city": "Leipzig",
            "latitude": None,
            "longitude": None,
            **overrides,
        }
    )


# --- events ---------------------------------------------------------------------------------


def make_event(
    venue: Venue | None = None,
    *,
    organizer: User | None = None,
    starts_local: datetime = STARTS_LOCAL,
    duration: timedelta = timedelta(hours=2),
    commit: bool = True,
    **overrides: Any,
) -> Event:
    """A published one-off event, made by the real service.

    At ``venue`` (a new Berlin embassy row if None), by ``organizer`` (a new
    organizer if None), on Saturday 2026-12-05 at 15:00 venue time for two
    hours. ``overrides`` replace fields of app.events.services.EventInput.
    """
    place = venue if venue is not None else berlin_embassy()
    data = EventInput(
        title="Vigil for the prisoners",
        description="",
        kind=EventKind.VIGIL,
        venue=place,
        timezone=place.timezone,
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


def make_series(
    venue: Venue | None = None,
    *,
    repeat: Repeat = Repeat.WEEKLY,
    repeat_until_on: date | None = None,
    **overrides: Any,
) -> Event:
    """A repeating event: weekly (or daily) from its first date, by default four more dates.

    ``overrides`` as for make_event (``starts_local``, ``skip_dates``…).
    """
    starts_local: datetime = overrides.get("starts_local", STARTS_LOCAL)
    if repeat_until_on is None:
        step = timedelta(weeks=1) if repeat == Repeat.WEEKLY else timedelta(days=1)
        repeat_until_on = (starts_local + 4 * step).date()
    return make_event(venue, repeat=repeat, repeat_until_on=repeat_until_on, **overrides)


def event_input(event: Event, **changes: Any) -> EventInput:
    """The event's current fields as the edit form would send them, with ``changes``.

    For calling app.events.services.update_event on an existing event.
    """
    zone = event.zone
    values: dict[str, Any] = {
        "title": event.title,
        "description": event.description,
        "kind": event.kind,
        "venue": event.venue,
        "timezone": event.timezone,
        "starts_local": event.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_local": event.ends_at.astimezone(zone).replace(tzinfo=None),
        "repeat": Repeat(event.repeat),
        "repeat_until_on": event.repeat_until_on,
        "skip_dates": frozenset(skip.occurs_on for skip in event.skips),
        "capacity": event.capacity,
        "contact_url": event.contact_url,
        "publish": event.status != EventStatus.DRAFT,
    }
    values.update(changes)
    return EventInput(**values)


def fix_identity(event: Event, *, uid: str, slug: str) -> Event:
    """Give ``event`` a known UID and slug (the service draws random ones) and commit."""
    event.uid = uid
    event.slug = slug
    db.session.commit()
    return event


# --- RSVPs ----------------------------------------------------------------------------------


def make_rsvp(
    event: Event,
    *,
    party_size: int = 1,
    display_name: str | None = None,
    email: str | None = None,
    locale: str = "en",
    dates: Sequence[date] = (),
    confirmed: bool = True,
) -> RsvpResult:
    """An RSVP through app.rsvp.services.create_rsvp (which commits): anonymous, one person.

    For ``dates`` of a series (a single event needs none). Going or waitlisted as
    the event's capacity decides; the result holds the new rows' ids, their
    statuses and the one-time manage token. An ``email`` is confirmed by its owner
    (notices go to it) unless ``confirmed`` is False.
    """
    result = create_rsvp(
        event.id,
        display_name=display_name,
        party_size=party_size,
        email=email,
        dates=dates,
        locale=locale,
    )
    if email is not None and confirmed:
        db.session.execute(
            update(Rsvp)
            .where(Rsvp.token_hash == hash_token(result.token))
            .values(email_confirmed=True)
        )
        db.session.commit()
    return result


# --- the campaign statement -----------------------------------------------------------------


def make_statement(**overrides: Any) -> StatementVersion:
    """A new pinned version of the statement through the real service (commits).

    ``overrides`` replace the keywords of app.campaign.services.pin_statement
    (``title``, ``subtitle``, ``byline``, ``body``, ``created_by``).
    """
    values: dict[str, Any] = {
        "title": "Free them all",
        "subtitle": "",
        "byline": "",
        "body": "We stand with the prisoners.",
        "created_by": None,
        **overrides,
    }
    version = pin_statement(**values)
    db.session.commit()
    return version
