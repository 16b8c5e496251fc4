"""One canonical address: links come from VIGIL_BASE_URL, other hosts are refused.

A request's Host (and X-Forwarded-Host) is whatever the client sends. Links built
on it went into cached pages and feeds served to everyone, and into e-mails
(issue "Hardening", section 1). The mails themselves are tested with a real SMTP
server in tests/rsvp/test_notices.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import Event, Role
from app.rsvp import notices
from app.urls import absolute_url
from tests.conftest import IsolatedClient, csrf_token, signed_in
from tests.factories import PASSWORD, make_event, make_user
from tests.feeds.parsing import get_feed, parse, vevents
from tests.rsvp.pages import rsvp_count, rsvp_form

SITE = "https://vigil.example.org"
EVIL = "evil.example"
REFUSED = "This site is not served under that address."


@pytest.fixture
def event(app: Flask) -> Event:
    return make_event(title="Vigil for the prisoners", capacity=10)


def _evil(client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    """``client``'s request with the attacker's Host header (and ``kwargs``' headers)."""
    headers = {"Host": EVIL, **kwargs.pop("headers", {})}
    return client.open(path, method=method, headers=headers, **kwargs)


# --- other hosts are refused ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/events",
        "/events?country=DE",
        "/events/{slug}",
        "/map",
        "/statement",
        "/calendar.ics",
        "/events/{slug}.ics",
        "/events.geojson",
        "/rsvp/manage",
        "/auth/login",
        "/no-such-page",
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_request_for_another_host_is_refused(
    client: FlaskClient, event: Event, path: str, method: str
) -> None:
    response = _evil(client, method, path.format(slug=event.slug))
    assert response.status_code == 400
    assert response.content_type == "text/plain; charset=utf-8"
    if method == "GET":
        assert response.get_data(as_text=True) == REFUSED
    # The site's own host is served as before.
    assert client.open(path.format(slug=event.slug), method=method).status_code in {200, 404}


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": False}])
def test_an_rsvp_sent_to_another_host_is_refused_and_not_stored(
    client: FlaskClient, event: Event
) -> None:
    response = _evil(client, "POST", f"/events/{event.slug}/rsvp", data=rsvp_form())
    assert response.status_code == 400
    assert rsvp_count() == 0
    # The same form sent to the site's host is taken (CSRF is off only to isolate the host).
    assert client.post(f"/events/{event.slug}/rsvp", data=rsvp_form()).status_code == 303
    assert rsvp_count() == 1


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": False}])
def test_a_sign_in_sent_to_another_host_is_refused(client: FlaskClient) -> None:
    user = make_user()
    form = {"email": user.email, "password": PASSWORD}
    assert _evil(client, "POST", "/auth/login", data=form).status_code == 400
    assert client.post("/auth/login", data=form).status_code == 303


# --- X-Forwarded-Host is never trusted ----------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_x_forwarded_host_is_ignored_behind_a_trusted_proxy(
    client: FlaskClient, event: Event
) -> None:
    headers = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "X-Forwarded-For": "::1"}
    body = get_feed(client, "/calendar.ics", headers=headers)
    assert EVIL.encode() not in body
    assert str(parse(body)["SOURCE"]) == "http://localhost/calendar.ics"
    page = client.get("/events", headers=headers).get_data(as_text=True)
    assert EVIL not in page
    assert "webcal://localhost/calendar.ics" in page


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_the_proxy_cannot_name_another_host_either(client: FlaskClient, event: Event) -> None:
    # The proxy passes the visitor's Host as it is (README: proxy_set_header Host $host).
    response = client.get("/events", headers={"Host": EVIL, "X-Forwarded-Host": "localhost"})
    assert response.status_code == 400


# --- shared caches cannot be poisoned -------------------------------------------------------


@pytest.mark.parametrize("path", ["/events", "/calendar.ics", "/events/{slug}", "/"])
def test_a_forged_host_cannot_poison_what_everyone_is_served(
    client: FlaskClient, event: Event, path: str
) -> None:
    path = path.format(slug=event.slug)
    # The attacker asks first, so a shared cache would keep the answer they got.
    _evil(client, "GET", path)
    _evil(client, "GET", path, headers={"X-Forwarded-Host": EVIL})
    for _twice in range(2):  # built, then from the cache
        response = client.get(path)
        assert response.status_code == 200
        assert EVIL not in response.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_a_forwarded_host_cannot_poison_the_caches(client: FlaskClient, event: Event) -> None:
    for path in ("/events", "/calendar.ics"):
        client.get(path, headers={"X-Forwarded-Host": EVIL})
        assert EVIL not in client.get(path).get_data(as_text=True)


# --- every absolute link is built on VIGIL_BASE_URL ---------------------------------------


class SiteClient(IsolatedClient):
    """A client whose requests reach the site as plain HTTP on its own host.

    As behind a proxy that terminates TLS without saying so: the request's scheme
    (http) differs from the site's (https), so a link built from the request shows.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", "http://vigil.example.org")
        return super().open(*args, **kwargs)


ON_SITE = pytest.mark.parametrize("app_overrides", [{"BASE_URL": SITE}])


@pytest.fixture
def site_client(app: Flask) -> FlaskClient:
    return SiteClient(app, app.response_class, use_cookies=True)


def _links(text: str) -> set[str]:
    return set(re.findall(r"(?:https?|webcal)://[^\s\"'<>&\\]+", text))


@ON_SITE
def test_feed_links_are_built_on_the_base_url(site_client: FlaskClient, event: Event) -> None:
    body = get_feed(site_client, "/calendar.ics?country=de")
    calendar = parse(body)
    assert str(calendar["SOURCE"]) == f"{SITE}/calendar.ics?country=DE"
    assert str(calendar["URL"]) == f"{SITE}/events?country=DE"
    found = vevents(body)[event.uid]
    assert str(found["URL"]) == f"{SITE}/events/{event.slug}"
    assert str(found["DESCRIPTION"]).endswith(f"{SITE}/events/{event.slug}")

    download = parse(get_feed(site_client, f"/events/{event.slug}.ics"))
    assert str(download["SOURCE"]) == f"{SITE}/events/{event.slug}.ics"
    assert str(download["URL"]) == f"{SITE}/events/{event.slug}"


@ON_SITE
def test_page_links_are_built_on_the_base_url(site_client: FlaskClient, event: Event) -> None:
    listing = site_client.get("/events?kind=vigil").get_data(as_text=True)
    assert f"{SITE}/calendar.ics?kind=vigil" in listing
    assert "webcal://vigil.example.org/calendar.ics?kind=vigil" in listing
    page = site_client.get(f"/events/{event.slug}").get_data(as_text=True)
    links = _links(page)
    assert not any(link.startswith("http://vigil.example.org") for link in links), links
    # The add-to-calendar links carry the event page (in Google's and Outlook's query).
    assert "https%3A%2F%2Fvigil.example.org%2Fevents%2F" in page


@pytest.mark.parametrize("app_overrides", [{"BASE_URL": SITE, "WTF_CSRF_ENABLED": False}])
def test_the_private_manage_link_is_built_on_the_base_url(
    site_client: FlaskClient, event: Event
) -> None:
    response = site_client.post(f"/events/{event.slug}/rsvp", data=rsvp_form())
    assert response.status_code == 303
    page = site_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'href="{SITE}/rsvp/manage#[A-Za-z0-9_-]+"', page)
    assert "http://vigil.example.org" not in page


@ON_SITE
def test_the_invitation_link_is_built_on_the_base_url(site_client: FlaskClient) -> None:
    signed_in(site_client, role=Role.ADMIN)
    token = csrf_token(site_client, "/admin/organizers")
    page = site_client.post(
        "/admin/organizers/invite", data={"email": "new@example.org", "csrf_token": token}
    ).get_data(as_text=True)
    assert re.search(rf'value="{SITE}/auth/invite#[A-Za-z0-9_-]+"', page), page


@ON_SITE
def test_links_outside_a_request_are_built_on_the_base_url(app: Flask, event: Event) -> None:
    # A CLI command (rsvp send-notices) has no request, and so no host of its own.
    assert absolute_url("events.show", slug=event.slug) == f"{SITE}/events/{event.slug}"
    assert absolute_url("feeds.calendar", city="Köln") == f"{SITE}/calendar.ics?city=K%C3%B6ln"
    body = notices.render_body(notices.NoticeKind.CANCELLED, event, "en")
    assert f"{SITE}/events/{event.slug}" in body


@ON_SITE
def test_a_request_for_the_site_with_a_port_uses_the_base_url(
    site_client: FlaskClient, event: Event
) -> None:
    # Reached directly on gunicorn's port: the same host, so served, with the site's links.
    body = get_feed(site_client, "/calendar.ics", base_url="http://vigil.example.org:8000")
    assert str(parse(body)["SOURCE"]) == f"{SITE}/calendar.ics"
