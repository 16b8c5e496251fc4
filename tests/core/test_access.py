"""Authorization by structure: a walk over ``app.url_map`` (STYLE.md rule 5, security.md T06).

Every route under /organize or /admin refuses anonymous visitors with a
redirect to the sign-in page; every route under /admin answers a signed-in
organizer with 404. Every other route must be on the public allowlist below,
so a new unguarded route, or a new public one, makes this file fail until
someone decides about it.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule, UUIDConverter

from app.extensions import db
from app.models import Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user, make_venue

GUARDED_PREFIXES = ("/organize", "/admin")
# Endpoints anyone may reach. Adding one is a decision: say why in the commit.
PUBLIC_ENDPOINTS = frozenset({"static", "set_language", "favicon"})
PUBLIC_BLUEPRINTS = (
    "campaign.",
    "events.",
    "auth.",
    "feeds.",
    "rsvp.",
    "maps.",
    "vendor.",
    "syndication.",
    # The read-only JSON API: public data only (app.api).
    "api.",
    # Share images and posters of public events (app.posters).
    "posters.",
    # Supporters propose vigils without an account; their codes come from forms only
    # (app.proposals). The review queue is under /admin and guarded.
    "proposals.",
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app: Flask, *prefixes: str) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefixes)]
    return sorted(rules, key=lambda rule: rule.rule)


def _sample_path(rule: Rule) -> str:
    """The rule's path with 1 for ids and numbers, a plausible word for anything else."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):  # includes our IdConverter
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        else:
            values[name] = "x"
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def _requests(rule: Rule) -> list[tuple[str, str]]:
    methods = sorted((rule.methods or set()) - IGNORED_METHODS)
    assert methods, rule.rule
    return [(method, _sample_path(rule)) for method in methods]


def test_guarded_rules_exist(app: Flask) -> None:
    organize = {rule.endpoint for rule in _rules(app, "/organize")}
    assert {"organize.index", "organize.edit"} <= organize
    # The RSVP package's own organizer routes (a child blueprint) are walked too.
    assert {"rsvp.organize.index", "rsvp.organize.export", "rsvp.organize.remove"} <= organize
    assert {"admin.organizers", "admin.revoke_invite"} <= {
        rule.endpoint for rule in _rules(app, "/admin")
    }


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    make_user()  # id 1 exists, so a route that loads before checking would not 404
    make_venue()
    token = csrf_token(client, "/auth/login")
    refused: list[str] = []
    for rule in _rules(app, *GUARDED_PREFIXES):
        for method, path in _requests(rule):
            response = client.open(
                path, method=method, data={"csrf_token": token} if method != "GET" else None
            )
            location = urlsplit(response.headers.get("Location", ""))
            if response.status_code not in {302, 303} or location.path != "/auth/login":
                refused.append(f"{method} {path} → {response.status_code} {location.geturl()}")
    assert refused == []


def test_organizers_get_404_in_the_admin_area(app: Flask, client: FlaskClient) -> None:
    organizer = make_user()  # id 1: admin routes about user 1 would find it
    make_venue()
    assert login(client, organizer.email, PASSWORD).status_code == 303
    token = csrf_token(client, "/")
    exposed: list[str] = []
    for rule in _rules(app, "/admin"):
        for method, path in _requests(rule):
            response = client.open(
                path, method=method, data={"csrf_token": token} if method != "GET" else None
            )
            if response.status_code != 404:
                exposed.append(f"{method} {path} → {response.status_code}")
    assert exposed == []
    # The organizer is still signed in and was not changed by any of those requests.
    assert client.get("/auth/login").status_code == 302


def test_deactivated_admin_is_refused(app: Flask, client: FlaskClient) -> None:
    admin = make_user(role=Role.ADMIN)
    assert login(client, admin.email, PASSWORD).status_code == 303
    assert client.get("/admin/organizers").status_code == 200
    admin.is_active = False
    db.session.commit()
    response = client.get("/admin/organizers")
    assert response.status_code in {302, 303, 404}
    assert response.status_code != 200


def test_every_other_route_is_on_the_public_allowlist(app: Flask) -> None:
    unlisted = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(GUARDED_PREFIXES)
        and rule.endpoint not in PUBLIC_ENDPOINTS
        and not rule.endpoint.startswith(PUBLIC_BLUEPRINTS)
    ]
    assert unlisted == []


def _private(endpoint: str) -> bool:
    """An endpoint of an organize or admin blueprint, also one nested in a feature's."""
    return bool({"organize", "admin"} & set(endpoint.split(".")[:-1]))


def test_private_blueprints_live_under_guarded_prefixes(app: Flask) -> None:
    misplaced = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if _private(rule.endpoint) and not rule.rule.startswith(GUARDED_PREFIXES)
    ]
    assert misplaced == []


@pytest.fixture
def unguarded_app(app: Flask) -> Flask:
    """The test app plus routes registered outside the guarded blueprints."""

    def leaky() -> str:
        return "attendee list"

    app.add_url_rule("/organize/leaky", "leaky", leaky)
    app.add_url_rule("/attendees.csv", "export", leaky)
    # A feature's organizer blueprint (rsvp.organize) mounted outside /organize.
    app.add_url_rule("/rsvp/attendees", "rsvp.organize.leaky", leaky)
    return app


def test_the_walk_catches_unguarded_routes(unguarded_app: Flask) -> None:
    """The checks above can fail: they name the routes nobody guarded or allowed."""
    with pytest.raises(AssertionError, match="GET /organize/leaky → 200"):
        test_anonymous_visitors_are_sent_to_sign_in(unguarded_app, unguarded_app.test_client())
    with pytest.raises(AssertionError, match=r"/attendees.csv \(export\)"):
        test_every_other_route_is_on_the_public_allowlist(unguarded_app)
    with pytest.raises(AssertionError, match=r"/rsvp/attendees \(rsvp.organize.leaky\)"):
        test_private_blueprints_live_under_guarded_prefixes(unguarded_app)
