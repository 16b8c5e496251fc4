"""Previews name the site's public address (VIGIL_BASE_URL), never the request's."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import IsolatedClient, signed_in
from tests.factories import make_event
from tests.previews.parsing import event_head


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # A public address that differs from the test client's request in scheme and host.
    return {"BASE_URL": "https://vigil.example.org"}


class SiteHostClient(IsolatedClient):
    """A client whose requests name the site's host, over plain http (not https)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", "http://vigil.example.org")
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = SiteHostClient
    return app.test_client()


def test_og_url_is_the_base_url_whatever_the_request_says(client: FlaskClient) -> None:
    event = make_event()
    expected = f"https://vigil.example.org/events/{event.slug}"
    head = event_head(client, event)
    assert head.og()["og:url"] == expected
    assert head.documents()[0]["url"] == expected
    forwarded = event_head(
        client,
        event,
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
    )
    assert forwarded.og() == head.og()
    assert forwarded.json_ld == head.json_ld
    # A request for another host never reaches the page at all.
    refused = client.get(f"/events/{event.slug}", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.get_data(as_text=True)


def test_signed_in_visitors_see_the_same_preview(client: FlaskClient) -> None:
    event = make_event()
    anonymous = event_head(client, event)
    signed_in(client)
    assert client.get("/").status_code == 200
    again = event_head(client, event)
    assert again.og() == anonymous.og()
    assert again.json_ld == anonymous.json_ld
