"""Confirming an RSVP's address in Chromium: the code travels in the #fragment only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.extensions import db
from app.models.rsvp import Rsvp
from app.rsvp.consent import new_code
from app.rsvp.services import create_rsvp, hash_token
from tests.browser.conftest import BrowserLog, Site

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request


def test_confirming_an_address_from_the_mailed_link(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    assert site.app is not None
    code, code_hash = new_code()
    with site.app.app_context():
        created = create_rsvp(
            site.sample_slug,
            display_name=None,
            party_size=1,
            email="owner@example.org",
            confirm_hash=code_hash,
        )
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    page.goto(f"/rsvp/confirm-email#{code}")
    assert page.get_by_label("Confirmation code").input_value() == code
    assert code not in page.url  # the script took it out of the address bar
    page.get_by_role("button", name="Yes, send me notices about my RSVP").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Address confirmed"

    with site.app.app_context():
        stored = db.session.scalars(
            select(Rsvp).where(Rsvp.token_hash == hash_token(created.token))
        ).one()
        assert stored.email_confirmed is True
        assert stored.confirm_hash is None
        db.session.delete(stored)  # the shared site's sample event keeps its counts
        db.session.commit()
    # The code left the browser only in the POST body, never in an address or header.
    sent = [(request.url.split("#", 1)[0], *request.headers.values()) for request in requests]
    assert not [values for values in sent if any(code in value for value in values)]
    assert any(code in (request.post_data or "") for request in requests)
    browser_log.assert_clean("after confirming an address")
