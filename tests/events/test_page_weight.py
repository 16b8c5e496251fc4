"""Page weight: an event's page and the list stay under 50 kB, everything they load included.

What counts is what a visitor's browser downloads on opening the page: the HTML and
every stylesheet and script it names, uncompressed (a proxy may not compress). Not
counted is what loads only when asked for: the venue map (Leaflet, the street map's
renderer protomaps-leaflet, maps.js) comes with "Show on a map" (static/js/map-loader.js).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import berlin_embassy, make_event
from tests.maps.streets import make_street_archive

BUDGET = 50_000
_ASSETS = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="(/static/[^"]+\.(?:js|css))"')


def _weight(client: FlaskClient, url: str) -> tuple[int, dict[str, int]]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    sizes = {url: len(response.data)}
    for asset in dict.fromkeys(_ASSETS.findall(html)):
        with client.get(asset) as loaded:
            assert loaded.status_code == 200, asset
            sizes[asset] = len(loaded.data)
    return sum(sizes.values()), sizes


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, Any]:
    # With a street archive: its renderer must not be in the page either.
    archive = make_street_archive(tmp_path / "streets.pmtiles", 52.4631, 13.2953)
    return {"MAP_PMTILES": str(archive)}


def test_event_page_and_list_stay_under_the_budget(client: FlaskClient, app: Any) -> None:
    venue = berlin_embassy()
    events = [
        make_event(
            venue,
            title=f"Vigil for the prisoners, week {week}",
            description="Bring candles and photos. " * 40,
            starts_local=datetime(2026, 12, 1 + week, 18, 0),  # noqa: DTZ001 - venue wall time
        )
        for week in range(20)
    ]
    for url in (f"/events/{events[0].slug}", "/events"):
        total, sizes = _weight(client, url)
        assert not [asset for asset in sizes if "vendor" in asset], sizes
        assert total < BUDGET, (url, total, sizes)
