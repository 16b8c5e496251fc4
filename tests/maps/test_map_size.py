"""/events.geojson grows with places, not events.

One point per event made 42 MB (1.8 MB gzipped) at 100,000 events. Here a site as
operators fill it: the missions of ``flask venues import`` and a few hundred places
typed in at the largest cities, then demo events (``flask demo seed``, a fifth of
them weekly series) at all of them, twice as many the second time. The document
must stay under 200 kB gzipped, and what each added event costs must be next to
nothing: at this rate, 100,000 events stay far inside the bound.
(bench/map.py measures the same at 100,000 events on PostgreSQL.)
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Venue
from app.venues.places import labelled_cities
from app.venues.timezones import zone_for_point
from tests.factories import make_place

BOUND_GZIP = 200_000
TYPED_PLACES = 300
FIRST, MORE = 1_500, 3_000


def _seed(runner: FlaskCliRunner, count: int) -> None:
    result = runner.invoke(args=["demo", "seed", "--events", str(count), "--force"])
    assert result.exit_code == 0, result.output


def _markers(client: FlaskClient) -> tuple[int, int, list[dict[str, Any]]]:
    """Sizes of /events.geojson (gzip as sent, and unpacked) and its features."""
    response = client.get("/events.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.data)
    features: list[dict[str, Any]] = json.loads(body)["features"]
    return len(response.data), len(body), features


def test_the_markers_grow_with_places_not_events(
    client: FlaskClient, runner: FlaskCliRunner, app: Any
) -> None:
    result = runner.invoke(args=["venues", "import"])
    assert result.exit_code == 0, result.output
    for name, latitude, longitude, _rank in labelled_cities()[:TYPED_PLACES]:
        make_place(
            name=f"Square in {name}",
            city=name,
            country_code="DE",  # not what the size depends on
            latitude=latitude,
            longitude=longitude,
            timezone=zone_for_point(latitude, longitude) or "UTC",
        )
    places = db.session.scalar(
        select(func.count()).select_from(Venue).where(Venue.latitude.is_not(None))
    )
    assert places is not None
    assert places > TYPED_PLACES

    _seed(runner, FIRST)
    packed, _plain, features = _markers(client)
    assert sum(f["properties"]["event_count"] for f in features) == FIRST
    _seed(runner, MORE)
    more_packed, more_plain, more_features = _markers(client)

    total = FIRST + MORE
    assert sum(f["properties"]["event_count"] for f in more_features) == total
    # Every place with a position has events now, and each is one feature.
    assert len(more_features) > TYPED_PLACES
    assert len(more_features) == len({f["id"] for f in more_features}) <= places
    assert all(len(f["properties"]["events"]) == 3 for f in more_features)
    assert more_packed < BOUND_GZIP
    # One point per event cost about 18 bytes gzipped per event; grouped, an event
    # costs its place at most a digit of its count.
    per_event = (more_packed - packed) / MORE
    assert per_event < 1, (packed, more_packed)
    assert more_packed + per_event * (100_000 - total) < BOUND_GZIP
    assert more_plain < 1_000_000
