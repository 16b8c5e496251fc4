"""Helpers of the proposal tests: The Hague's embassy, a filled-in form, the mailed codes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from app import clock
from app.models import Venue
from app.proposals.forms import started_stamp
from tests.conftest import DEFAULT_NOW, csrf_token
from tests.factories import make_venue
from tests.rsvp.smtp import SmtpSink

HOST_EMAIL = "host@example.org"
_CODE = re.compile(r"/campaign/host/(confirm|manage)#([A-Za-z0-9_-]+)")


def hague_embassy(**overrides: Any) -> Venue:
    """The Iranian embassy in The Hague, a mission from the bundled list."""
    values: dict[str, Any] = {
        "import_key": "mission:Embassy of Iran, The Hague",
        "name": "Embassy of Iran, The Hague",
        "address": "Duinweg 20, The Hague",
        "city": "The Hague",
        "country_code": "NL",
        "latitude": 52.0945,
        "longitude": 4.2949,
        "timezone": "Europe/Amsterdam",
        **overrides,
    }
    return make_venue(**values)


def stamp(seconds_ago: int = 60) -> str:
    """A form stamp as the form would have carried it ``seconds_ago``."""
    clock.freeze(DEFAULT_NOW - timedelta(seconds=seconds_ago))
    try:
        return started_stamp()
    finally:
        clock.freeze(DEFAULT_NOW)


def form_data(client: FlaskClient, venue: Venue, /, **changes: str) -> dict[str, str]:
    """A valid proposal for Saturday 2026-12-12, 15:00–17:00 at ``venue``, with ``changes``."""
    data = {
        "csrf_token": csrf_token(client, "/campaign/host"),
        "venue": str(venue.id),
        "starts_at": "2026-12-12T15:00",
        "ends_at": "2026-12-12T17:00",
        "repeat": "none",
        "repeat_until": "",
        "description": "Silent vigil with candles.",
        "host_name": "Shirin from Delft",
        "email": HOST_EMAIL,
        "website": "",
        "started": stamp(),
    }
    data.update(changes)
    return data


def mailed_code(smtp: SmtpSink, kind: str, address: str = HOST_EMAIL) -> str:
    """The code of the last ``confirm`` or ``manage`` link mailed to ``address``."""
    for received in reversed(smtp.to(address)):
        match = _CODE.search(received.body)
        if match and match.group(1) == kind:
            return match.group(2)
    raise AssertionError(f"no {kind} link mailed")
