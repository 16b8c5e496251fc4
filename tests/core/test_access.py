"""Authorization by structure: a walk over ``app.url_map`` (STYLE.md rule 5, security.md T06).

Every route under /organize or /admin refuses anonymous visitors with a
redirect to the sign-in page; every route under /admin answers a signed-in
organizer with 404, and a reviewer too, except the review queue's own routes.
No page a reviewer reaches shows a host's e-mail address unmasked. Every other
route must be on the public allowlist below, so a new unguarded route, or a new
public one, makes this file fail until someone decides about it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule, UUIDConverter
from werkzeug.wrappers import Response

from app.auth.services import create_invite
from app.clock import now_utc
from app.extensions import db, login_manager
from app.models import Proposal, ProposalStatus, Repeat, Role, Venue
from app.proposals.forms import ProposedTime
from app.proposals.services import confirm_proposal, create_proposal
from tests.conftest import csrf_token, login, signed_in
from tests.factories import (
    PASSWORD,
    make_event,
    make_place,
    make_statement,
    make_user,
    make_venue,
)
from tests.proposals.helpers import form_data, hague_embassy, mailed_code
from tests.rsvp import conftest as rsvp_fixtures
from tests.rsvp.smtp import SmtpSink

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
# The RSVP tests' in-process SMTP server, for the hosts' mailed codes (as tests/proposals).
smtp = rsvp_fixtures.smtp
# The one part of /admin a reviewer (an organizer with User.is_reviewer) reaches,
# less what only admins do there.
REVIEW_QUEUE = "proposals.admin."
ADMINS_ONLY_IN_QUEUE = frozenset({"proposals.admin.revoke"})


def _rules(app: Flask, *prefixes: str) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefixes)]
    return sorted(rules, key=lambda rule: rule.rule)


def _sample_path(rule: Rule, known: Mapping[str, object] | None = None) -> str:
    """The rule's path with the ``known`` value of each argument it names, else 1 for ids
    and numbers, a plausible word for anything else."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if known and name in known:
            values[name] = known[name]
        elif isinstance(converter, IntegerConverter):  # includes our IdConverter
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        else:
            values[name] = "x"
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def _requests(rule: Rule, known: Mapping[str, object] | None = None) -> list[tuple[str, str]]:
    methods = sorted((rule.methods or set()) - IGNORED_METHODS)
    assert methods, rule.rule
    return [(method, _sample_path(rule, known)) for method in methods]


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


def _pending_proposal(venue: Venue, host_email: str = "host@example.org") -> Proposal:
    """A confirmed proposal waiting in the review queue, made by the app's own services."""
    times = ProposedTime(
        timezone=venue.timezone,
        starts_local=datetime(2026, 12, 12, 15, 0),  # noqa: DTZ001 - venue wall time
        ends_local=datetime(2026, 12, 12, 17, 0),  # noqa: DTZ001 - venue wall time
        repeat=Repeat.NONE,
        repeat_until_on=None,
    )
    proposal, code = create_proposal(
        venue=venue,
        times=times,
        description="A vigil for the walk.",
        host_name="Walker",
        host_email=host_email,
    )
    assert confirm_proposal(code) is proposal
    db.session.commit()
    return proposal


def test_reviewers_reach_the_review_queue_and_nothing_else_in_the_admin_area(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = make_user(is_reviewer=True)
    venue = make_place()
    admin = make_user(role=Role.ADMIN)
    invite, _token = create_invite(email="invited@example.org", created_by=admin)
    db.session.commit()
    # Real ids, so a 404 comes from the guard and not from a missing row.
    known: dict[str, object] = {
        "user_id": reviewer.id,
        "invite_id": invite.id,
        "version_id": make_statement().id,
    }
    assert login(client, reviewer.email, PASSWORD).status_code == 303
    token = csrf_token(client, "/")
    exposed: list[str] = []
    refused: list[str] = []
    queue: set[str] = set()
    for rule in _rules(app, "/admin"):
        in_queue = (
            rule.endpoint.startswith(REVIEW_QUEUE) and rule.endpoint not in ADMINS_ONLY_IN_QUEUE
        )
        # Each route of the queue acts on a pending proposal and an event waiting for review
        # of its own (approving one takes it out of the queue).
        ids = known
        if in_queue:
            waiting = make_event(venue, publish=False)
            waiting.review_requested_at = now_utc()
            db.session.commit()
            ids = {**known, "proposal_id": _pending_proposal(venue).id, "event_id": waiting.id}
        for method, path in _requests(rule, ids):
            response = client.open(
                path, method=method, data={"csrf_token": token} if method != "GET" else None
            )
            answer = f"{method} {path} → {response.status_code}"
            if in_queue:
                queue.add(rule.endpoint)
                if response.status_code == 404 or response.status_code >= 500:
                    refused.append(answer)
            elif response.status_code != 404:
                exposed.append(answer)
    assert exposed == []
    assert refused == []
    assert {"proposals.admin.index", "proposals.admin.approve"} <= queue
    # Still signed in, still only a reviewer: no request changed the account.
    assert client.get("/auth/login").status_code == 302
    db.session.refresh(reviewer)
    assert (reviewer.role, reviewer.is_reviewer, reviewer.is_active) == (Role.ORGANIZER, True, True)


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


@pytest.fixture
def reviewer_leaks(app: Flask) -> Flask:
    """The test app plus two routes whose guard lets reviewers in: an admin page (it
    should be for admins only) and an organizer page listing hosts' addresses."""

    def guarded_for_reviewers() -> Response | None:
        if not current_user.is_authenticated:
            response: Response = login_manager.unauthorized()
            return response
        if not current_user.may_review:
            abort(404)
        return None

    def organizer_addresses() -> Response | str:
        return guarded_for_reviewers() or "every organizer's address"

    def host_addresses() -> Response | str:
        emails = db.session.scalars(select(Proposal.host_email))
        return guarded_for_reviewers() or ", ".join(email or "" for email in emails)

    app.add_url_rule("/admin/organizers.csv", "admin_organizers_leaky", organizer_addresses)
    app.add_url_rule("/organize/hosts", "organize_hosts_leaky", host_addresses)
    return app


def test_the_reviewer_walk_catches_an_admin_route_reviewers_reach(reviewer_leaks: Flask) -> None:
    """The anonymous walk passes (the route sends them to sign in); the reviewer walk names it."""
    test_anonymous_visitors_are_sent_to_sign_in(reviewer_leaks, reviewer_leaks.test_client())
    with pytest.raises(AssertionError, match=r"GET /admin/organizers\.csv → 200"):
        test_reviewers_reach_the_review_queue_and_nothing_else_in_the_admin_area(
            reviewer_leaks, reviewer_leaks.test_client()
        )


# --- hosts' addresses ---------------------------------------------------------------------------

PENDING_HOST = "parvaneh.pending-host@example.net"
PUBLISHED_HOST = "dariush.published-host@example.com"
HOSTS = (PENDING_HOST, PUBLISHED_HOST)


def _proposed_and_confirmed(
    client: FlaskClient, smtp: SmtpSink, venue: Venue, email: str
) -> Proposal:
    """A weekly vigil proposed through the form and confirmed with the mailed code."""
    data = form_data(client, venue, email=email, repeat="weekly", repeat_until="2026-12-26")
    assert client.post("/campaign/host", data=data).status_code == 303
    token = csrf_token(client, "/campaign/host/confirm")
    code = mailed_code(smtp, "confirm", email)
    response = client.post("/campaign/host/confirm", data={"csrf_token": token, "code": code})
    assert response.status_code == 200
    proposal = db.session.scalars(select(Proposal).where(Proposal.host_email == email)).one()
    assert proposal.status == ProposalStatus.PENDING
    return proposal


def _shown_addresses(body: str) -> list[str]:
    """The hosts' addresses in ``body``, also as their local part alone."""
    return [address for address in HOSTS if address in body or address.partition("@")[0] in body]


class TestReviewersSeeHostsAddressesMasked:
    """A host's address is for mail to the host only; reviewers see it masked
    (app.models.proposal), and the audit log never holds it."""

    @pytest.fixture
    def app_overrides(self, smtp: SmtpSink) -> dict[str, Any]:
        return smtp.settings

    def test_no_page_a_reviewer_reaches_shows_an_address(
        self, app: Flask, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        venue = hague_embassy()
        published = _proposed_and_confirmed(client, smtp, venue, PUBLISHED_HOST)
        pending = _proposed_and_confirmed(client, smtp, venue, PENDING_HOST)
        reviewer_client = app.test_client()
        reviewer = signed_in(reviewer_client, is_reviewer=True)
        token = csrf_token(reviewer_client, "/admin/proposals")
        approve = f"/admin/proposals/{published.id}/approve"
        assert reviewer_client.post(approve, data={"csrf_token": token}).status_code == 303
        db.session.refresh(published)
        event = published.event
        assert event is not None  # the reviewer who approved it now organizes it
        known: dict[str, object] = {
            "user_id": reviewer.id,
            "proposal_id": pending.id,
            "event_id": event.id,
            "day": event.occurrences[0].occurs_on.isoformat(),
        }
        leaks: list[str] = []
        misjudged: list[str] = []
        bodies: dict[str, str] = {}
        for rule in _rules(app, *GUARDED_PREFIXES):
            if "GET" not in (rule.methods or set()):
                continue
            path = _sample_path(rule, known)
            response = reviewer_client.get(path)
            bodies[path] = response.get_data(as_text=True)
            leaks += [f"{path}: {address}" for address in _shown_addresses(bodies[path])]
            # The organizer pages and the queue find their rows (a 409 for a state is fine);
            # the rest of /admin answers 404.
            reached = response.status_code != 404 and response.status_code < 500
            meant = rule.rule.startswith("/organize") or rule.endpoint.startswith(REVIEW_QUEUE)
            if reached != meant:
                misjudged.append(f"GET {path} → {response.status_code}")
        assert leaks == []
        assert misjudged == []
        assert "p***@example.net" in bodies["/admin/proposals"]

    def test_the_audit_log_holds_no_address(
        self, app: Flask, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        venue = hague_embassy()
        proposals = [_proposed_and_confirmed(client, smtp, venue, email) for email in HOSTS]
        admin_client = app.test_client()
        signed_in(admin_client, role=Role.ADMIN)
        token = csrf_token(admin_client, "/admin/proposals")
        first, second = (proposal.id for proposal in proposals)
        for url, data in (
            (f"/admin/proposals/{first}/approve", {}),
            (f"/admin/proposals/{second}/changes", {f"changes-{second}-reason": "Later?"}),
        ):
            response = admin_client.post(url, data={"csrf_token": token, **data})
            assert response.status_code == 303
        export = admin_client.get("/admin/audit/audit.csv")
        assert export.status_code == 200
        rows = export.get_data(as_text=True)
        assert "proposal.approved" in rows
        assert "proposal.changes_requested" in rows
        assert _shown_addresses(rows) == []
        page = admin_client.get("/admin/audit/")
        assert page.status_code == 200
        assert _shown_addresses(page.get_data(as_text=True)) == []

    def test_the_walk_catches_an_address_shown_to_reviewers(
        self, reviewer_leaks: Flask, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        with pytest.raises(AssertionError, match=re.escape(f"/organize/hosts: {PENDING_HOST}")):
            self.test_no_page_a_reviewer_reaches_shows_an_address(reviewer_leaks, client, smtp)
