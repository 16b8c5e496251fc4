"""Host a vigil in Chromium: propose at the embassy in The Hague, confirm through the mailed
link, an admin approves, and the vigil is on /events and in /calendar.ics."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Proposal, Venue
from tests.browser.conftest import (
    ADMIN_EMAIL,
    HAGUE,
    Site,
    berlin_today,
    host_link,
    next_saturday,
    sign_in,
)
from tests.rsvp.smtp import SmtpSink

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

HOST = "browser-host@example.org"


def test_propose_confirm_approve(page: Page, site: Site, mail_server: SmtpSink) -> None:
    from playwright.sync_api import expect  # only where Playwright is installed

    assert site.app is not None
    with site.app.app_context():
        venue = db.session.scalars(select(Venue).where(Venue.name == HAGUE)).one()
        venue_id = venue.id
    day = next_saturday(berlin_today()) + timedelta(days=7)

    page.goto(f"/campaign/host?venue={venue_id}")
    expect(page.locator("#venue")).to_have_value(str(venue_id))
    # The search box narrows the missions (static/js/venue-filter.js).
    page.locator("#venue-filter").fill("Hague")
    page.locator("#starts_at").fill(f"{day.isoformat()}T15:00")
    page.locator("#ends_at").fill(f"{day.isoformat()}T17:00")
    page.locator("#description").fill("Candles and names of the prisoners.")
    page.locator("#host_name").fill("Delft students")
    page.locator("#email").fill(HOST)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/campaign/host/sent")
    expect(page.locator("h1")).to_have_text("Check your e-mail")

    page.goto(host_link(mail_server, HOST, "confirm"))
    # The script copied the code from the #fragment and removed it from the address.
    expect(page.locator("#code")).not_to_have_value("")
    assert "#" not in page.url
    page.locator("main form [type=submit]").click()
    expect(page.locator("h1")).to_have_text("Your proposal is with the reviewers")

    sign_in(page, ADMIN_EMAIL)
    page.goto("/admin/proposals")
    with site.app.app_context():
        proposal = db.session.scalars(
            select(Proposal).where(Proposal.host_name == "Delft students")
        ).one()
        proposal_id = proposal.id
        db.session.remove()
    article = page.locator(f"#proposal-{proposal_id}")
    expect(article).to_contain_text("b***@example.org")
    article.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url("**/admin/proposals")
    expect(page.locator("#proposal-" + str(proposal_id))).to_have_count(0)

    with site.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal is not None
        event = db.session.get(Event, proposal.event_id)
        assert event is not None
        slug, uid = event.slug, event.uid
        db.session.remove()
    assert "/campaign/host/manage#" in host_link(mail_server, HOST, "manage")

    page.goto("/events")
    expect(page.locator(f"a[href$='/events/{slug}']").first).to_be_visible()
    page.goto(f"/events/{slug}")
    expect(page.locator("main")).to_contain_text("Delft students")
    feed = page.request.get("/calendar.ics")
    assert feed.ok
    assert uid in feed.text()
