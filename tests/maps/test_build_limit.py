"""Building /events.geojson is rate limited per client; answers from the cache are not.

A request the cache cannot answer (new filters, a new bbox) costs a whole build,
seconds for 10,000 events: without a limit a few requests a second with varying
bounding boxes would keep every worker busy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.maps.conftest import World


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"MAP_BUILD_RATE_LIMIT": "3 per minute"}


def test_forcing_builds_is_rate_limited_but_cached_answers_are_not(
    client: FlaskClient, world: World, builds: list[int]
) -> None:
    # Each new bbox would cost a whole build: the fourth in a minute is refused.
    for west in (1, 2, 3):
        assert client.get(f"/events.geojson?bbox={west},40,20,60").status_code == 200
    refused = client.get("/events.geojson?bbox=4,40,20,60")
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    assert json.loads(refused.data)["error"]
    assert len(builds) == 3
    # Documents already built are still served, as often as asked.
    for _ in range(10):
        again = client.get("/events.geojson?bbox=1,40,20,60")
        assert again.status_code == 200
    assert len(builds) == 3
