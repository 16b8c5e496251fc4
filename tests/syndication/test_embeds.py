"""/embed/events and /embed/map: pages for other sites' frames.

No cookies, no forms, links to this site's top window; only the sites named in
VIGIL_EMBED_ORIGINS may frame them (CSP frame-ancestors), every other page none.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import ConfigError
from app.events.services import cancel_event
from app.extensions import db
from app.models import Event
from tests.conftest import TEST_SECRET, signed_in
from tests.factories import berlin_embassy, make_event, toronto

PARTNERS = {"EMBED_ORIGINS": "https://partner.example.org  http://127.0.0.1:8123"}
EMBEDS = ("/embed/events", "/embed/map")
HOSTILE = "<img src=x onerror=alert(1)></a><script>alert(2)</script>"


@pytest.fixture
def event(app: Any) -> Event:
    return make_event(berlin_embassy(), title="Vigil at the embassy")


def _frame_ancestors(response: Any) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    assert match is not None
    return match.group(1).strip()


@pytest.mark.parametrize("app_overrides", [PARTNERS])
@pytest.mark.parametrize("url", EMBEDS)
def test_embed_may_be_framed_by_the_configured_sites(
    client: FlaskClient, event: Event, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert _frame_ancestors(response) == "https://partner.example.org http://127.0.0.1:8123"
    assert "X-Frame-Options" not in response.headers
    # Served from the page cache the second time: the same headers.
    again = client.get(url)
    assert _frame_ancestors(again) == _frame_ancestors(response)
    assert again.data == response.data


@pytest.mark.parametrize("app_overrides", [PARTNERS])
@pytest.mark.parametrize("url", ["/events", "/map", "/", "/auth/login", "/events.rss", "/share"])
def test_other_pages_may_not_be_framed(client: FlaskClient, event: Event, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert _frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_other_pages_of_an_event_may_not_be_framed(client: FlaskClient, event: Event) -> None:
    response = client.get(f"/events/{event.slug}")
    assert _frame_ancestors(response) == "'none'"


@pytest.mark.parametrize("url", EMBEDS)
def test_without_the_setting_no_site_may_frame_an_embed(
    client: FlaskClient, event: Event, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert _frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", EMBEDS)
def test_no_cookie_no_form(client: FlaskClient, event: Event, url: str) -> None:
    for query in ("", "?country=DE", "?country=XYZ"):
        response = client.get(url + query)
        assert "Set-Cookie" not in response.headers, query
        assert b"<form" not in response.data, query
        assert b'name="csrf_token"' not in response.data


@pytest.mark.parametrize("url", EMBEDS)
def test_a_signed_in_visitor_gets_no_cookie_and_the_anonymous_page(
    client: FlaskClient, event: Event, url: str
) -> None:
    user = signed_in(client, display_name="Private Organizer")
    response = client.get(url)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert b"Private Organizer" not in response.data
    assert user.email.encode() not in response.data
    # The session itself is untouched: still signed in on the site.
    assert client.get("/organize/").status_code == 200


def test_embedded_list_links_open_the_site_in_the_top_window(
    client: FlaskClient, event: Event
) -> None:
    cancel_event(event, reason="Called off.", editor=event.organizer)
    db.session.commit()
    make_event(toronto(), title="Toronto rally")
    html = client.get("/embed/events?country=DE").get_data(as_text=True)

    assert "Vigil at the embassy" in html
    assert "Toronto rally" not in html
    assert "Cancelled" in html
    assert '<base target="_top">' in html
    links = re.findall(r"<a [^>]*>", html)
    assert links
    for link in links:
        assert 'target="_top"' in link, link
        assert 'href="http://localhost/' in link, link
    assert 'href="http://localhost/events?country=DE"' in html


def test_embedded_map_carries_the_filters_to_its_markers(client: FlaskClient, event: Event) -> None:
    html = client.get("/embed/map?country=DE&near=Berlin").get_data(as_text=True)

    assert 'data-geojson="/events.geojson?country=DE"' in html
    assert '<base target="_top">' in html
    assert "<form" not in html
    assert 'href="http://localhost/map?country=DE&amp;near=Berlin"' in html


def test_hostile_titles_are_escaped(client: FlaskClient) -> None:
    make_event(berlin_embassy(), title=HOSTILE)
    html = client.get("/embed/events").get_data(as_text=True)

    assert "<img src=x" not in html
    assert "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("url", EMBEDS)
@pytest.mark.parametrize("query", ["country=XYZ", "near=NaN,5", "from=nope", "radius_km=-1"])
def test_bad_filters_are_a_readable_400(
    client: FlaskClient, event: Event, url: str, query: str
) -> None:
    response = client.get(f"{url}?{query}")

    assert response.status_code == 400
    assert "Some filters are not valid" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_embed_is_cached_like_the_public_list(client: FlaskClient, event: Event) -> None:
    first = client.get("/embed/events?country=DE").data
    db.session.execute(
        Event.__table__.update().where(Event.id == event.id).values(title="Renamed in SQL")
    )
    db.session.commit()
    # A change the page cache does not see (raw SQL): the cached page is served.
    assert client.get("/embed/events?country=DE").data == first


# --- the setting ---------------------------------------------------------------------------


def _app(**overrides: Any) -> Any:
    config = {"SECRET_KEY": TEST_SECRET, "BASE_URL": "http://localhost", **overrides}
    return create_app(config, environ={})


@pytest.mark.parametrize(
    "value",
    [
        "partner.example.org",
        "https://partner.example.org/page",
        "*",
        "https://*.example.org",
        "'self'",
        "https://partner.example.org;script-src",
        "ftp://partner.example.org",
        "https://partner.example.org?x=1",
        "'none'",
    ],
)
def test_bad_embed_origins_stop_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="VIGIL_EMBED_ORIGINS"):
        create_app(
            {"SECRET_KEY": TEST_SECRET},
            environ={"VIGIL_EMBED_ORIGINS": value, "VIGIL_BASE_URL": "http://localhost"},
        )


def test_embed_origins_from_the_environment_are_canonical() -> None:
    app = create_app(
        {"SECRET_KEY": TEST_SECRET},
        environ={
            "VIGIL_BASE_URL": "http://localhost",
            "VIGIL_EMBED_ORIGINS": " HTTPS://Partner.Example.org/  https://b.example:8443 ",
        },
    )
    assert app.config["EMBED_ORIGINS"] == ("https://partner.example.org", "https://b.example:8443")


def test_embed_origins_default_to_none() -> None:
    assert _app().config["EMBED_ORIGINS"] == ()
