"""The organizer's event form, filled in and posted as a browser would."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from app.models import Venue
from tests.conftest import csrf_token


def event_form(place: Venue, /, **overrides: Any) -> dict[str, Any]:
    """A valid new-event form: next Saturday 15:00–17:00 at ``place``; ``None`` drops a field."""
    data: dict[str, Any] = {
        "title": "Vigil for the prisoners",
        "kind": "vigil",
        "description": "Bring candles.",
        "venue": str(place.id),
        "starts_at": "2026-11-28T15:00",
        "ends_at": "2026-11-28T17:00",
        "repeat": "none",
        "repeat_until": "",
        "skip_dates": "",
        "capacity": "",
        "contact_url": "",
        "publish": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_event(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    """POST ``data`` to ``url`` (new or edit form) with a valid CSRF token read from ``url``."""
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token})
