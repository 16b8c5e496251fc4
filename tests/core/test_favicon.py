"""The site's icon: named by every page, and answered at /favicon.ico too."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

ICON = Path(__file__).parents[2] / "static" / "favicon.svg"


@pytest.mark.parametrize("path", ["/favicon.ico", "/static/favicon.svg"])
def test_the_icon_is_served(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:  # a static file is streamed from an open file
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.data == ICON.read_bytes()


@pytest.mark.parametrize("path", ["/", "/events", "/no-such-page", "/embed/events"])
def test_pages_name_the_icon(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
