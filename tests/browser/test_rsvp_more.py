"""RSVPs in Chromium beyond the basic flow: confirming an address from the mailed link
(the code travels in the #fragment only), and choosing dates of a weekly vigil."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.models.rsvp import Rsvp
from app.rsvp.consent import new_code
from app.rsvp.services import create_rsvp, hash_token
from tests.browser.conftest import BrowserLog, Site, new_event

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


def test_rsvp_for_two_dates_of_a_weekly_vigil(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    slug, dates = new_event(site, "Weekly browser vigil", weekly=True)

    page.goto(f"/events/{slug}")
    boxes = page.get_by_role("group", name="Which dates will you come?").get_by_role("checkbox")
    assert boxes.count() == len(dates)
    assert boxes.nth(0).is_checked()
    assert not boxes.nth(1).is_checked()
    boxes.nth(1).check()
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_url("**/rsvp/done")
    rows = page.locator("table.rsvp-dates tbody tr")
    assert rows.count() == 2
    assert all("Going" in text for text in rows.all_inner_texts())

    with site.app.app_context():
        stored = db.session.scalars(select(Rsvp).join(Event).where(Event.slug == slug)).all()
        assert sorted(rsvp.occurs_on for rsvp in stored) == dates[:2]
        assert len({rsvp.token_hash for rsvp in stored}) == 1  # one private code for both
        # The shared site's other tests count events and RSVPs: leave none behind.
        for row in [*stored, db.session.scalars(select(Event).where(Event.slug == slug)).one()]:
            db.session.delete(row)
        db.session.commit()
    browser_log.assert_clean("after an RSVP for two dates")
