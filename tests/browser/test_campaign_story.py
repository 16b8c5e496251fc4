"""The "host a vigil" campaign end to end in Chromium, as its people live it.

A supporter without an account finds the embassy in The Hague on /campaign, proposes a
vigil in the venue's time and confirms it through the mailed link; a reviewer who must
sign in with two steps (``REQUIRE_2FA``) approves, rejects or asks for changes in the
queue; the host manages the vigil through the private link of another mail. What each
person sees is read from the pages, the mails from the SMTP server the site sends to, and
the calendar from /calendar.ics as a calendar app reads it (parsed with icalendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import select

from app.auth.services import create_user
from app.auth.twofactor import confirm_enrolment, start_enrolment
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event, EventKind, EventStatus, Venue
from tests.browser.conftest import (
    HAGUE,
    PASSWORD,
    BrowserLog,
    Site,
    berlin_today,
    host_link,
    next_saturday,
    sign_in_with_code,
)
from tests.browser.test_map import POPUP, _open_popup, _wait_for_markers
from tests.rsvp.smtp import SmtpSink

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import BrowserContext, Locator, Page

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # The Hague's zone
HOSTILE_REASON = '<b>x</b> & "quoted" </textarea><script>alert(1)</script>'
CHANGES_REASON = "Please start at 16:00, when the consulate's staff leave."


@dataclass(frozen=True)
class Proposed:
    """What the supporter typed into the form."""

    day: date
    start: time
    end: time
    description: str
    nickname: str
    email: str
    weekly_until: date | None = None

    def local(self, hour: time, day: date | None = None) -> datetime:
        """An instant of the proposal in The Hague's wall time."""
        return datetime.combine(day or self.day, hour, tzinfo=AMSTERDAM)


@pytest.fixture
def campaign(site: Site, mail_server: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    """The site as its operators run it: reviewers must sign in with two steps. Room for
    this file's proposals and RSVP beside the other browser tests' (one client, one
    server for the session; the limits have their own tests). The mails' SMTP server."""
    assert site.app is not None
    monkeypatch.setitem(site.app.config, "REQUIRE_2FA", True)
    for limit in ("PROPOSAL_RATE_LIMIT", "RSVP_RATE_LIMIT", "RSVP_EVENT_RATE_LIMIT"):
        monkeypatch.setitem(site.app.config, limit, "1000 per hour")
    return mail_server


def _new_reviewer(site: Site, name: str, *, enrolled: bool) -> tuple[str, str | None]:
    """An organizer account with the reviewer flag: its e-mail, and the key of its
    authenticator when ``enrolled`` (set up with the current time step's code)."""
    assert site.app is not None
    email = f"story-reviewer-{name}@example.org"
    with site.app.app_context():
        user = create_user(email=email, display_name=f"Reviewer {name}", password=PASSWORD)
        user.is_reviewer = True
        key = None
        if enrolled:
            key = start_enrolment(user)
            assert confirm_enrolment(user, pyotp.TOTP(key).now()) is not None
        db.session.commit()
        db.session.remove()
    return email, key


def _hague_id(site: Site) -> int:
    assert site.app is not None
    with site.app.app_context():
        venue_id = db.session.scalars(select(Venue.id).where(Venue.name == HAGUE)).one()
        db.session.remove()
    return venue_id


def _call_off_vigils_at_the_hague(site: Site) -> None:
    """Cancel planned vigils another browser test published there, when it ran first (the
    suite shares one server): /campaign offers only missions still without one."""
    assert site.app is not None
    with site.app.app_context():
        planned = db.session.scalars(
            select(Event)
            .join(Venue, Event.venue_id == Venue.id)
            .where(
                Venue.name == HAGUE,
                Event.status == EventStatus.PUBLISHED,
                Event.kind == EventKind.VIGIL,
            )
        ).all()
        for event in planned:
            cancel_event(event, reason="Out of the way of a test.", editor=event.organizer)
        db.session.commit()
        db.session.remove()


def _fill_and_send(page: Page, proposed: Proposed) -> None:
    """On the proposal form: everything but the mission, sent; ends on "check your mail"."""
    page.locator("#starts_at").fill(f"{proposed.day.isoformat()}T{proposed.start:%H:%M}")
    page.locator("#ends_at").fill(f"{proposed.day.isoformat()}T{proposed.end:%H:%M}")
    if proposed.weekly_until is None:
        page.locator("#repeat").select_option("none")
    else:
        page.locator("#repeat").select_option("weekly")
        page.locator("#repeat_until").fill(proposed.weekly_until.isoformat())
    page.locator("#description").fill(proposed.description)
    page.locator("#host_name").fill(proposed.nickname)
    page.locator("#email").fill(proposed.email)
    page.get_by_role("button", name="Propose this vigil").click()
    page.wait_for_url("**/campaign/host/sent")
    assert page.locator("h1").inner_text() == "Check your e-mail"


def _confirm_by_mail(page: Page, sink: SmtpSink, proposed: Proposed) -> None:
    """The confirmation mail arrived; its link, opened in ``page``, confirms."""
    (mail,) = sink.to(proposed.email)
    assert mail.message["Subject"] == "Please confirm your proposal for a vigil"
    body = mail.body
    assert HAGUE in body
    assert f"Organized by: {proposed.nickname}" in body
    assert f"{proposed.start:%H:%M}–{proposed.end:%H:%M}" in body  # venue time, as typed
    link = host_link(sink, proposed.email, "confirm")
    code = urlsplit(link).fragment
    page.goto(link)
    # A script copied the code from the #fragment into the form, and out of the address.
    assert page.locator("#code").input_value() == code
    assert "#" not in page.url
    page.get_by_role("button", name="Yes, send my proposal to the reviewers").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your proposal is with the reviewers"


def _propose_at_the_hague(page: Page, site: Site, sink: SmtpSink, proposed: Proposed) -> None:
    """Straight to the form with the mission chosen (as the links of /campaign do)."""
    page.goto(f"/campaign/host?venue={_hague_id(site)}")
    _fill_and_send(page, proposed)
    _confirm_by_mail(page, sink, proposed)


def _queued(page: Page, proposed: Proposed) -> Locator:
    """The reviewer's queue, and the one proposal of ``proposed``'s host in it."""
    page.goto("/admin/proposals")
    article = page.locator("article.proposal").filter(has_text=proposed.nickname)
    assert article.count() == 1
    return article


def _review(article: Locator, action: str, reason: str) -> None:
    """Send a reason through the queue's "Reject" or "Ask for changes" form."""
    summary = article.page.locator("summary").filter(has_text=action)
    details = article.locator("details").filter(has=summary)
    details.locator("summary").click()
    details.get_by_label("Reason (mailed to the host)").fill(reason)
    details.get_by_role("button", name="Send").click()
    article.page.wait_for_url("**/admin/proposals")


def _approve(page: Page, proposed: Proposed) -> None:
    _queued(page, proposed).get_by_role("button", name="Approve and publish").click()
    page.wait_for_url("**/admin/proposals")
    assert (
        page.locator(".flashes").inner_text()
        == "The vigil is published and its host was mailed their private link."
    )
    assert page.locator("article.proposal").filter(has_text=proposed.nickname).count() == 0


def _published_mail(sink: SmtpSink, proposed: Proposed) -> tuple[str, str]:
    """The host's mail of the approval: the event's slug and the private manage link."""
    mail = sink.to(proposed.email)[-1]
    assert mail.message["Subject"] == "Your vigil is published"
    event_urls = [
        line.strip() for line in mail.body.splitlines() if "/events/" in line and "://" in line
    ]
    assert len(event_urls) == 1, mail.body
    slug = urlsplit(event_urls[0]).path.removeprefix("/events/")
    return slug, host_link(sink, proposed.email, "manage")


def _feed(page: Page) -> Calendar:
    response = page.request.get("/calendar.ics")
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.body())


def _vevent(calendar: Calendar, slug: str) -> VEvent:
    """The feed's one VEVENT of the event at /events/<slug>."""
    found = [
        vevent
        for vevent in calendar.walk("VEVENT")
        if urlsplit(str(vevent.get("URL", ""))).path == f"/events/{slug}"
    ]
    assert len(found) == 1, f"{len(found)} VEVENTs of /events/{slug}"
    return found[0]


def _starts(vevent: VEvent) -> datetime:
    start = vevent.decoded("DTSTART")
    assert isinstance(start, datetime)
    return start


def _card(page: Page, slug: str) -> Locator:
    """The vigil's card on /events, narrowed to the Netherlands."""
    page.goto("/events?country=NL")
    return page.locator("li.event-card").filter(has=page.locator(f"a[href='/events/{slug}']"))


def _card_start(page: Page, slug: str) -> datetime:
    card = _card(page, slug)
    assert card.count() == 1
    return datetime.fromisoformat(card.locator("p.when time").get_attribute("datetime") or "")


def _open_manage_page(page: Page, link: str) -> None:
    page.goto(link)
    assert page.locator("#code").input_value() == urlsplit(link).fragment
    assert "#" not in page.url
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your vigil"


def _edit(page: Page, proposed: Proposed, start: time, end: time, description: str) -> None:
    """On the host's page: new times on the same day, a new description, saved."""
    page.locator("#starts_at").fill(f"{proposed.day.isoformat()}T{start:%H:%M}")
    page.locator("#ends_at").fill(f"{proposed.day.isoformat()}T{end:%H:%M}")
    page.locator("#description").fill(description)
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_load_state()


def _upcoming_vigils(page: Page) -> int:
    figure = page.locator(".campaign-figures .figures li").first.inner_text()
    return int(figure.split()[0])


def test_a_supporter_hosts_a_vigil_from_proposal_to_calendar(
    page: Page,
    new_context: Callable[[], BrowserContext],
    site: Site,
    campaign: SmtpSink,
    browser_log: BrowserLog,
) -> None:
    _call_off_vigils_at_the_hague(site)
    day = next_saturday(berlin_today()) + timedelta(days=14)
    proposed = Proposed(
        day=day,
        start=time(15, 0),
        end=time(17, 0),
        weekly_until=day + timedelta(days=14),
        description="Candles and the names of the prisoners, every Saturday.",
        nickname="Tulips for Evin",
        email="story-host@example.org",
    )
    reviewer_email, _ = _new_reviewer(site, "story", enrolled=False)

    # The supporter finds the mission on /campaign and follows its link to the form.
    page.goto("/campaign")
    vigils_before = _upcoming_vigils(page)
    page.get_by_role("link", name=f"Host a vigil ({HAGUE})").click()
    page.wait_for_url("**/campaign/host?venue=*")
    assert page.locator("#venue option:checked").inner_text() == f"NL · The Hague · {HAGUE}"
    _fill_and_send(page, proposed)
    _confirm_by_mail(page, campaign, proposed)

    # The reviewer's password alone opens nothing: first the authenticator is set up.
    reviewer = new_context().new_page()
    reviewer.goto("/auth/login")
    reviewer.locator("#email").fill(reviewer_email)
    reviewer.locator("#password").fill(PASSWORD)
    reviewer.locator("main form [type=submit]").click()
    reviewer.wait_for_url("**/organize/account/2fa")
    reviewer.goto("/admin/proposals")
    assert urlsplit(reviewer.url).path == "/organize/account/2fa"
    key = reviewer.locator("#totp-key").inner_text().replace(" ", "")
    reviewer.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
    reviewer.get_by_role("button", name="Turn on two-step sign-in").click()
    recovery_codes = reviewer.locator(".recovery-codes li")
    recovery_codes.first.wait_for()
    assert recovery_codes.count() == 10
    reviewer.get_by_role("button", name="Sign out").click()
    reviewer.wait_for_url(site.url("/"))
    # Then the password and a code of the authenticator.
    sign_in_with_code(reviewer, reviewer_email, key)

    article = _queued(reviewer, proposed)
    assert article.get_by_role("heading").inner_text() == f"NL · The Hague · {HAGUE}"
    assert article.locator(".host-email").inner_text() == "s***@example.org"
    assert article.locator(".description").inner_text() == proposed.description
    assert "15:00–17:00" in article.inner_text()
    assert "Every week until" in article.inner_text()
    _approve(reviewer, proposed)
    slug, manage_link = _published_mail(campaign, proposed)
    first_start = proposed.local(proposed.start)

    # Public: /campaign (the mission is no longer waiting), its map, /map, /events, the feed.
    page.goto("/campaign")
    assert page.get_by_role("link", name=f"Host a vigil ({HAGUE})").count() == 0
    assert _upcoming_vigils(page) == vigils_before + 1
    _wait_for_markers(page)
    places = page.evaluate(
        "marker_cluster_events.getLayers().map(marker => marker.feature.properties.venue)"
    )
    assert HAGUE in places
    page.goto("/map")
    _wait_for_markers(page)
    _open_popup(page, HAGUE)
    popup = page.locator(POPUP)
    assert popup.locator("h3").inner_text() == f"{HAGUE}, The Hague (NL)"
    assert popup.locator(f"a[href='/events/{slug}']").inner_text() == f"Vigil at {HAGUE}"
    assert _card_start(page, slug) == first_start
    page.goto(f"/events/{slug}")
    main = page.locator("main").inner_text()
    assert proposed.nickname in main
    assert proposed.description in main
    vevent = _vevent(_feed(page), slug)
    assert _starts(vevent) == first_start
    assert vevent["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert _starts(vevent).hour == 15  # the venue's wall time, as the host typed it
    assert vevent["RRULE"]["FREQ"] == ["WEEKLY"]
    assert str(vevent["SUMMARY"]) == f"Vigil at {HAGUE}"
    sequence = int(vevent["SEQUENCE"])

    # Two people say they are coming.
    page.get_by_label("Display name (optional)").fill("A supporter")
    page.get_by_label("How many people, including you").select_option("2")
    page.get_by_role("button", name="I'll be there").click()
    page.wait_for_url("**/rsvp/done")

    # The host opens the mailed link in a browser without anyone's cookies.
    host = new_context().new_page()
    _open_manage_page(host, manage_link)
    assert host.locator(".proposal-state").inner_text() == "Published"
    assert "People going: 2" in host.locator(".rsvp-counts").inner_text()
    assert host.locator("#starts_at").input_value() == f"{day.isoformat()}T15:00"
    _edit(host, proposed, time(16, 30), time(18, 0), "Candles, from half past four.")
    assert host.locator(".notice").inner_text() == "Your changes are saved."
    assert "16:30–18:00" in host.locator(".proposal-summary").inner_text()

    vevent = _vevent(_feed(page), slug)
    assert _starts(vevent) == proposed.local(time(16, 30))
    assert int(vevent["SEQUENCE"]) > sequence
    assert "Candles, from half past four." in str(vevent["DESCRIPTION"])
    assert browser_log.outside_requests == []


def _proposed_and_reviewed(
    page: Page,
    reviewer_context: BrowserContext,
    site: Site,
    campaign: SmtpSink,
    proposed: Proposed,
    action: str,
    reason: str,
) -> Page:
    """The supporter proposes and confirms in ``page``; a new reviewer, with two-step
    sign-in, answers with ``action`` and ``reason`` in their own browser, which is returned.
    The proposal has left the queue."""
    reviewer_email, key = _new_reviewer(site, action.split()[0].lower(), enrolled=True)
    assert key is not None
    _propose_at_the_hague(page, site, campaign, proposed)
    reviewer = reviewer_context.new_page()
    sign_in_with_code(reviewer, reviewer_email, key)
    _review(_queued(reviewer, proposed), action, reason)
    assert reviewer.locator("article.proposal").filter(has_text=proposed.nickname).count() == 0
    return reviewer


def test_a_rejected_proposal_tells_the_host_why_and_publishes_nothing(
    page: Page,
    new_context: Callable[[], BrowserContext],
    site: Site,
    campaign: SmtpSink,
    browser_log: BrowserLog,
) -> None:
    proposed = Proposed(
        day=next_saturday(berlin_today()) + timedelta(days=35),
        start=time(13, 0),
        end=time(14, 0),
        description="A vigil that will not happen.",
        nickname="Rejected host",
        email="story-rejected@example.org",
    )
    reviewer = _proposed_and_reviewed(
        page, new_context(), site, campaign, proposed, "Reject", HOSTILE_REASON
    )
    assert (
        reviewer.locator(".flashes").inner_text()
        == "The proposal is rejected and its host was told why."
    )

    mail = campaign.to(proposed.email)[-1]
    assert mail.message["Subject"] == "Your proposal for a vigil was not accepted"
    assert HOSTILE_REASON in mail.body  # as the reviewer typed it: plain text, not HTML
    assert "&lt;" not in mail.body
    assert "&amp;" not in mail.body
    assert "/campaign/host/manage#" not in mail.body

    # Nothing at that time on /events, nothing in the feed.
    proposed_start = proposed.local(proposed.start)
    page.goto("/events?country=NL")
    starts = page.locator("li.event-card p.when time").evaluate_all(
        "times => times.map(time => time.getAttribute('datetime'))"
    )
    assert proposed_start not in [datetime.fromisoformat(start) for start in starts]
    assert proposed.description not in page.locator("main").inner_text()
    feed = _feed(page)
    assert proposed_start not in [_starts(vevent) for vevent in feed.walk("VEVENT")]
    assert proposed.description not in feed.to_ical().decode()
    assert browser_log.outside_requests == []


def test_asked_for_changes_the_host_edits_and_the_reviewer_approves(
    page: Page,
    new_context: Callable[[], BrowserContext],
    site: Site,
    campaign: SmtpSink,
    browser_log: BrowserLog,
) -> None:
    proposed = Proposed(
        day=next_saturday(berlin_today()) + timedelta(days=42),
        start=time(15, 0),
        end=time(17, 0),
        description="Silent vigil with photos.",
        nickname="Host asked to change",
        email="story-changes@example.org",
    )
    reviewer = _proposed_and_reviewed(
        page, new_context(), site, campaign, proposed, "Ask for changes", CHANGES_REASON
    )
    assert reviewer.locator(".flashes").inner_text() == "The host was asked for changes."

    mail = campaign.to(proposed.email)[-1]
    assert mail.message["Subject"] == "Your proposal for a vigil: the reviewers ask for changes"
    assert CHANGES_REASON in mail.body
    # The host opens the link in the browser they proposed from.
    _open_manage_page(page, host_link(campaign, proposed.email, "manage"))
    assert page.locator(".proposal-state").inner_text() == "The reviewers ask for changes"
    assert page.locator(".review-reason").inner_text() == CHANGES_REASON
    assert page.locator(".rsvp-counts").count() == 0  # not published: nobody to count
    _edit(page, proposed, time(16, 0), time(18, 0), "Silent vigil with photos, from 16:00.")
    assert (
        page.locator(".notice").inner_text()
        == "Your changes are saved and the proposal is back with the reviewers."
    )
    assert page.locator(".proposal-state").inner_text() == "With the reviewers"

    # Back in the queue, pending, as changed.
    article = _queued(reviewer, proposed)
    assert article.locator(".description").inner_text() == "Silent vigil with photos, from 16:00."
    assert "16:00–18:00" in article.inner_text()
    _approve(reviewer, proposed)
    slug, _ = _published_mail(campaign, proposed)
    assert _card_start(page, slug) == proposed.local(time(16, 0))
    assert _starts(_vevent(_feed(page), slug)) == proposed.local(time(16, 0))
    assert browser_log.outside_requests == []
