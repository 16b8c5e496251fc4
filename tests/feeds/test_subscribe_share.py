"""The list's calendar subscription: its addresses in share fields that work without JS."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_feed_addresses_can_be_copied(client: FlaskClient) -> None:
    page = client.get("/events?country=DE").get_data(as_text=True)
    https = re.search(r'<input id="feed-url"[^>]*>', page)
    webcal = re.search(r'<input id="feed-webcal"[^>]*>', page)
    assert https is not None
    assert webcal is not None
    assert 'value="http://localhost/calendar.ics?country=DE"' in https.group(0)
    assert 'value="webcal://localhost/calendar.ics?country=DE"' in webcal.group(0)
    assert all("readonly" in field.group(0) for field in (https, webcal))
    assert '<label for="feed-url">' in page
    assert page.count("js/share.js") == 1
