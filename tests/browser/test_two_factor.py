"""Two-step sign-in in Chromium: an admin sets it up from the account page (the key typed
from the screen, as into an app) and signs in with a code after the password."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyotp
import pytest
from sqlalchemy import update

from app.auth.services import create_user
from app.extensions import db
from app.models import Role, User
from tests.browser.conftest import Site, sign_in
from tests.browser.test_accessibility import PHONE, _assert_no_horizontal_scroll
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.mark.parametrize(
    ("viewport", "email"),
    [(PHONE, "totp-phone@example.org"), (DESKTOP, "totp-desktop@example.org")],
)
def test_admin_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    page: Page, site: Site, viewport: ViewportSize, email: str
) -> None:
    assert site.app is not None
    with site.app.app_context():
        create_user(email=email, display_name="Admin", password=PASSWORD, role=Role.ADMIN)
        db.session.commit()
    try:
        page.set_viewport_size(viewport)
        sign_in(page, email)
        page.goto("/organize/account/")
        page.get_by_role("link", name="Manage two-step sign-in").click()
        qr = page.locator(".qr-code svg")
        assert qr.is_visible()
        box = qr.bounding_box()
        assert box is not None
        assert 150 <= box["width"] <= viewport["width"]
        key = page.locator("#totp-key").inner_text().replace(" ", "")
        _assert_no_horizontal_scroll(page, "the set-up page")

        page.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        codes = page.locator(".recovery-codes li")
        codes.first.wait_for()
        assert codes.count() == 10
        _assert_no_horizontal_scroll(page, "the recovery codes")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(site.url("/"))
        page.goto("/auth/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url("**/auth/login/code")
        _assert_no_horizontal_scroll(page, "the second step")
        page.goto("/organize/")  # not signed in yet
        assert "/auth/login" in page.url
        page.goto("/auth/login/code")
        # The enrolment used the current step's code; the next step's is accepted (drift)
        # and spares the test waiting up to 30 s for a new one.
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(key).at(time.time() + 30))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/organize/")
        assert page.get_by_role("button", name="Sign out").is_visible()
    finally:
        # Deactivated, not deleted: the audit log keeps what the account did (and the
        # database refuses to delete an account the log names).
        with site.app.app_context():
            db.session.execute(update(User).where(User.email == email).values(is_active=False))
            db.session.commit()
