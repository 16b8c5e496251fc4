"""Fixtures of the map tests: one organizer's events around the world.

The clock stands at DEFAULT_NOW (Wednesday 2026-11-25 12:00 UTC). Upcoming public
events with a position, soonest first (UTC start):

    hamburg   weekly vigil, first on Thu 19 Nov (past), next Thu 26 Nov 17:00
    mitte     rally, Sat 28 Nov 13:00            (2.4 km from GeoNames' Berlin)
    paris     rally, Thu 3 Dec 17:00, cancelled
    dahlem    vigil, Sat 5 Dec 14:00             (10.3 km from Berlin)
    toronto   rally, Sun 6 Dec 18:00
    sydney    vigil, Mon 7 Dec 08:00
    suva      vigil, Mon 7 Dec 22:00             (longitude +178)
    apia      vigil, Tue 8 Dec 21:00             (longitude -171)
    potsdam   march, Sat 12 Dec 11:00            (27.8 km from Berlin)

and three that no map may show: a draft, an event that is over and one at a venue
without a position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

import app.maps.documents
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event, Repeat, User
from tests.factories import (
    apia,
    berlin_embassy,
    berlin_mitte,
    hamburg_rathausmarkt,
    make_event,
    make_user,
    paris,
    potsdam,
    suva,
    sydney_hyde_park,
    toronto,
    unplaced,
)

# In the order /events.geojson lists them without "near".
BY_START = (
    "hamburg",
    "mitte",
    "paris",
    "dahlem",
    "toronto",
    "sydney",
    "suva",
    "apia",
    "potsdam",
)


@dataclass
class World:
    organizer: User
    events: dict[str, Event] = field(default_factory=dict)

    def title(self, key: str) -> str:
        return self.events[key].title

    def titles(self, *keys: str) -> list[str]:
        return [self.title(key) for key in keys]


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0)  # noqa: DTZ001 - venue wall time


@pytest.fixture
def organizer(app: Any) -> User:
    return make_user(display_name="Organizer Shirin", email="shirin@example.org")


@pytest.fixture
def world(organizer: User) -> World:
    world = World(organizer)

    def add(key: str, venue: Any, title: str, day: date, hour: int, **overrides: Any) -> None:
        world.events[key] = make_event(
            venue, organizer=organizer, title=title, starts_local=_at(day, hour), **overrides
        )

    add(
        "hamburg",
        hamburg_rathausmarkt(),
        "Weekly vigil in Hamburg",
        date(2026, 11, 19),
        18,
        repeat=Repeat.WEEKLY,
        repeat_until_on=date(2027, 1, 28),
    )
    add("mitte", berlin_mitte(), "Rally at the Gate", date(2026, 11, 28), 14, kind="rally")
    add("paris", paris(), "Rally in Paris", date(2026, 12, 3), 18, kind="rally")
    add("dahlem", berlin_embassy(), "Vigil in Dahlem", date(2026, 12, 5), 15)
    add("toronto", toronto(), "Rally in Toronto", date(2026, 12, 6), 13, kind="rally")
    add("sydney", sydney_hyde_park(), "Vigil in Sydney", date(2026, 12, 7), 19)
    add("suva", suva(), "Vigil in Suva", date(2026, 12, 8), 10)
    add("apia", apia(), "Vigil in Apia", date(2026, 12, 9), 10)
    add("potsdam", potsdam(), "March in Potsdam", date(2026, 12, 12), 12, kind="march")
    dahlem = world.events["dahlem"].venue
    add("draft", dahlem, "Secret draft", date(2026, 12, 1), 15, publish=False)
    add("past", dahlem, "Vigil that is over", date(2026, 11, 20), 15)
    add("unplaced", unplaced(), "Vigil without a position", date(2026, 12, 2), 15)
    cancel_event(world.events["paris"], reason="Permit refused", editor=organizer)
    db.session.commit()
    return world


def one_more_event(world: World, title: str, *, days: int = 3) -> Event:
    """Another published event at the Dahlem embassy (a commit: the data changes)."""
    return make_event(
        world.events["dahlem"].venue,
        organizer=world.organizer,
        title=title,
        starts_local=datetime(2026, 11, 25, 15, 0) + timedelta(days=days),  # noqa: DTZ001
    )


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count builds of the document (calls of feature_collection by app.maps.documents)."""
    calls: list[int] = []
    original = app.maps.documents.feature_collection

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(app.maps.documents, "feature_collection", counting)
    return calls
