"""Every page of the site, as one list, and a walk that visits each of them once.

The axe-core and Nu Html Checker tests (test_every_page.py) and ``make screenshots``
(tools/screenshots.py) go through this list; a new page is one more line in ``PAGES``.

A page is a path, with ``{placeholders}`` filled from ``Places`` (what the data of the
server at hand offers: an event with a description, a weekly series, an editable event),
or a few steps that end on it (an RSVP's confirmation, the manage page). The walk drives
the page by element ids and form structure, not by words, so it works in every language
and without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response


@dataclass(frozen=True)
class Places:
    """What the pages' paths are made of, taken from the served data."""

    event: str  # slug of an event with a description
    series: str  # slug of a weekly series that takes RSVPs (the walk RSVPs to it)
    event_id: int  # an event the admin may edit
    statement_version: int
    city: str  # a city for /map?near= and the list's filters
    country: str  # its country code


Steps = Callable[["Page", Places], "Response | None"]


@dataclass(frozen=True)
class Visit:
    """One page: its name (a file name, too), how to get there, and who may see it."""

    name: str
    go: str | Steps
    signed_in: bool = False  # as an admin, who sees every organizer page too

    def path(self, places: Places) -> str | None:
        return self.go.format_map(vars(places)) if isinstance(self.go, str) else None


def _rsvp(page: Page, places: Places) -> Response | None:
    """The series' page, its RSVP form filled in and sent: ends on the confirmation."""
    page.goto(f"/events/{places.series}")
    form = page.locator("form.rsvp-form")
    form.locator("input[name=display_name]").fill("Page walker")
    with page.expect_navigation() as navigation:
        form.locator("[type=submit]").click()
    if navigation.value is not None and navigation.value.status == 400:
        # Without JavaScript the cached page's form has no CSRF token yet: it comes back
        # with one (app.rsvp.panels), and is sent again as a visitor would.
        with page.expect_navigation() as navigation:
            page.locator("form.rsvp-form [type=submit]").click()
    return navigation.value


def _manage(page: Page, places: Places) -> Response | None:
    """From the confirmation, the private link: the page that asks for the code."""
    link = page.locator(".one-time-link a").get_attribute("href")
    assert link is not None, "the confirmation shows no manage link"
    response = page.goto(link)
    # Without JavaScript nothing copies the code from the link's #fragment: paste it.
    code = page.locator("#token")
    if not code.input_value():
        code.fill(link.split("#", 1)[1])
    return response


def _manage_details(page: Page, places: Places) -> Response | None:
    """The code sent: the RSVP with its dates, the number of people and cancelling."""
    with page.expect_navigation() as navigation:
        page.locator("main form [type=submit]").first.click()
    return navigation.value


# Anonymous pages first, then the signed-in ones; steps follow the page they start from.
PAGES: list[Visit] = [
    Visit("home", "/"),
    Visit("events", "/events"),
    Visit("events-filtered", "/events?country={country}&kind=vigil"),
    Visit("events-near", "/events?near={city}"),
    Visit("event", "/events/{event}"),
    Visit("event-dates", "/events/{series}/dates"),
    Visit("rsvp-done", _rsvp),
    Visit("rsvp-manage", _manage),
    Visit("rsvp-details", _manage_details),
    Visit("rsvp-lost", "/rsvp/lost"),
    Visit("rsvp-cancelled", "/rsvp/cancelled"),
    Visit("statement", "/statement"),
    Visit("campaign", "/campaign"),
    Visit("map", "/map"),
    Visit("map-near", "/map?near={city}"),
    Visit("share", "/share"),
    Visit("embed-events", "/embed/events"),
    Visit("embed-map", "/embed/map"),
    Visit("login", "/auth/login"),
    Visit("register", "/auth/register"),
    Visit("api-docs", "/api/v1/docs"),
    Visit("host-a-vigil", "/campaign/host"),
    Visit("host-confirm", "/campaign/host/confirm"),
    Visit("host-manage", "/campaign/host/manage"),
    Visit("not-found", "/no-such-page"),
    Visit("organizer-list", "/organize/", signed_in=True),
    Visit("organizer-new", "/organize/events/new", signed_in=True),
    Visit("organizer-edit", "/organize/events/{event_id}/edit", signed_in=True),
    Visit("organizer-rsvps", "/organize/events/{event_id}/rsvps", signed_in=True),
    Visit("organizer-cancel", "/organize/events/{event_id}/cancel", signed_in=True),
    Visit("account-two-step", "/organize/account/2fa", signed_in=True),
    Visit("admin-organizers", "/admin/organizers", signed_in=True),
    Visit("admin-statement", "/admin/statement", signed_in=True),
    Visit("admin-proposals", "/admin/proposals", signed_in=True),
    Visit("admin-statement-version", "/admin/statement/{statement_version}", signed_in=True),
]


def walk(
    page: Page,
    places: Places,
    sign_in: Callable[[Page], None],
    pages: list[Visit] = PAGES,
) -> Iterator[tuple[Visit, Response | None]]:
    """Visit every page in order; yields each with the response that served it.

    ``sign_in`` is called once, before the first page that needs an account.
    """
    signed_in = False
    for visit in pages:
        if visit.signed_in and not signed_in:
            sign_in(page)
            signed_in = True
        path = visit.path(places)
        if path is not None:
            response = page.goto(path)
        else:
            assert callable(visit.go)
            response = visit.go(page, places)
        yield visit, response
